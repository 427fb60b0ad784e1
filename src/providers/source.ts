/**
 * The project's own files, as the templates `rig init` writes copy them into a prepared
 * base (README "rig init"): what a task with `inputs: ["**"]` hashes — tracked and
 * untracked files git does not ignore (every file outside a git repository) — without
 * `.git/`, `.rigkit/`, rig's config (`rigkit/`, `rigkit.config.ts`) and what an install
 * makes (`node_modules/`, `.venv/`), which the base has from its own install. So a task
 * keyed on `["**"]` reruns exactly when what it copies changed.
 */
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";

/** Never copied, at any depth: rig's own state and install outputs. */
const ALWAYS_SKIPPED = new Set([".git", ".rigkit", "node_modules", ".venv", "__pycache__"]);
/** Never copied at the top: rig's config. */
const TOP_SKIPPED = new Set(["rigkit", "rigkit.config.ts"]);

const skipped = (path: string, exclude: readonly string[]) => {
  const parts = path.split("/");
  return TOP_SKIPPED.has(parts[0] ?? "") || parts.some((p) => ALWAYS_SKIPPED.has(p)) || exclude.some((e) => path === e || path.startsWith(`${e}/`));
};

/** Git's list (tracked and untracked, not ignored), or null outside a repository or without git. */
function gitFiles(root: string): string[] | null {
  try {
    const result = Bun.spawnSync(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, stdout: "pipe", stderr: "ignore" });
    if (result.exitCode !== 0) return null;
    return [...new Set(result.stdout.toString().split("\0").filter(Boolean))];
  } catch {
    return null;
  }
}

function walk(root: string, dir = ""): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...walk(root, path));
    else files.push(path);
  }
  return files;
}

/** The project's files (relative paths, sorted), with `exclude` (paths or directories) left out too. */
export function projectFiles(root: string, exclude: readonly string[] = []): string[] {
  const listed = gitFiles(root) ?? walk(root);
  // A tracked file deleted from the working tree is not there to copy.
  return listed.filter((path) => !skipped(path, exclude) && lstatSync(join(root, path), { throwIfNoEntry: false }) !== undefined).sort();
}

/**
 * Copies the project's files into `to` (existing files replaced, never written through:
 * a file there may be a hard link or the base of a mount). Symlinks stay symlinks.
 * Returns how many files it copied.
 */
export function copyProjectFiles(root: string, to: string, options: { only?: readonly string[]; exclude?: readonly string[] } = {}): number {
  const files = options.only ? options.only.flatMap((glob) => [...new Bun.Glob(glob).scanSync({ cwd: root, dot: true, followSymlinks: false })]) : projectFiles(root, options.exclude);
  for (const path of new Set(files)) {
    const from = join(root, path);
    const target = join(to, path);
    const stat = lstatSync(from, { throwIfNoEntry: false });
    if (!stat || stat.isDirectory()) continue;
    mkdirSync(dirname(target), { recursive: true });
    rmSync(target, { force: true });
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), target);
    else copyFileSync(from, target);
  }
  return files.length;
}

/**
 * The project's files copied into a temporary directory on this machine, handed to `send`
 * (a `docker cp`, an upload to an instance) and removed afterwards: how a provider whose
 * machines are elsewhere copies the project in one transfer. Returns the file count.
 */
export async function sendProjectFiles(
  root: string,
  options: { only?: readonly string[]; exclude?: readonly string[] },
  send: (stage: string) => Promise<void>,
): Promise<number> {
  const { chmodSync, mkdtempSync } = require("node:fs") as typeof import("node:fs");
  const stage = mkdtempSync(`${require("node:os").tmpdir()}/rigkit-copy-`);
  try {
    chmodSync(stage, 0o755); // (mkdtemp's 0700 would become the destination's mode where the directory itself is sent)
    const count = copyProjectFiles(root, stage, options);
    await send(stage);
    return count;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
