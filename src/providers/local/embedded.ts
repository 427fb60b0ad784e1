/**
 * Where rig cannot give a workspace's commands their own view of the machine
 * (src/host/isolate.ts: not root, no bubblewrap), `rig create` checks that no file in the
 * new workspace names its base by absolute path, and refuses otherwise: a virtualenv's
 * scripts, `pip install -e` (`*.pth`, `*.egg-link`, `pyvenv.cfg`), `npm link` and other
 * symlinks into the base. Only likely files are read, so the check stays fast: symlinks,
 * those Python files, and executables that start with `#!`.
 */
import { type Dirent, lstatSync, openSync, readSync, closeSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join, relative, resolve } from "node:path";

/** Scripts and metadata larger than this are not what embeds a path: skipped. */
const MAX_BYTES = 1024 * 1024;

const PYTHON_FILES = /(\.pth|\.egg-link)$|^pyvenv\.cfg$/;

function startsWithShebang(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x23 && head[1] === 0x21;
  } finally {
    closeSync(fd);
  }
}

/**
 * Files below `dir` (relative paths, at most `limit`) that name one of `paths` (absolute
 * directories) or a path inside them. `.git` is not looked into.
 */
export function filesNaming(dir: string, paths: string[], limit = 20): string[] {
  const found: string[] = [];
  const names = (text: string) => paths.some((p) => text.includes(p));
  const pointsInto = (target: string) => paths.some((p) => target === p || target.startsWith(`${p}/`));
  const pending = [dir];
  while (pending.length > 0 && found.length < limit) {
    const current = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      try {
        if (entry.isDirectory()) {
          if (entry.name !== ".git") pending.push(path);
        } else if (entry.isSymbolicLink()) {
          if (pointsInto(resolve(current, readlinkSync(path)))) found.push(relative(dir, path));
        } else if (entry.isFile()) {
          const python = PYTHON_FILES.test(entry.name);
          if (!python) {
            const stat = lstatSync(path);
            if ((stat.mode & 0o111) === 0 || stat.size > MAX_BYTES || !startsWithShebang(path)) continue;
          } else if (lstatSync(path).size > MAX_BYTES) continue;
          if (names(readFileSync(path, "latin1"))) found.push(relative(dir, path));
        }
      } catch {
        // unreadable: nothing it says can be followed by the workspace's commands either
      }
      if (found.length >= limit) break;
    }
  }
  return found.sort();
}
