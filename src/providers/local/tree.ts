/**
 * A directory tree's fingerprint (the local provider's `artifactState`): every name below
 * it with each file's type, mode, size, modification time and inode. It reads no file
 * content, so a tree of 20,000 files costs one readdir per directory and one lstat per
 * file; any write to a file (its mtime), any file added, removed or renamed, or a chmod
 * changes it. Symlinks are not followed.
 *
 * Left out: what git changes in a checkout without changing its files — `.git/index`
 * (refreshed by `git status`), and what workspaces that are git worktrees of the base
 * share with it: `.git/worktrees/` (their registrations), `.git/objects/`, `.git/refs/`,
 * `.git/packed-refs` and `.git/logs/` (where their commits and branches go) — and
 * directories' own times (their entries are listed).
 */
import { type Dirent, lstatSync, readdirSync } from "node:fs";

export const GIT_NOISE = new Set([".git/index", ".git/index.lock", ".git/worktrees", ".git/objects", ".git/refs", ".git/packed-refs", ".git/logs"]);

/** The fingerprint of the tree at `root`, or null when it is not a readable directory. */
export function treeFingerprint(root: string): string | null {
  const lines: string[] = [];
  const pending = [""];
  while (pending.length > 0) {
    const rel = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = readdirSync(rel === "" ? root : `${root}/${rel}`, { withFileTypes: true });
    } catch {
      if (rel === "") return null;
      lines.push(`${rel}\0unreadable`);
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (GIT_NOISE.has(path)) continue;
      if (entry.isDirectory()) {
        lines.push(`${path}/`);
        pending.push(path);
        continue;
      }
      const st = lstatSync(`${root}/${path}`, { throwIfNoEntry: false });
      lines.push(st ? `${path}\0${st.mode}\0${st.size}\0${st.mtimeMs}\0${st.ino}` : `${path}\0gone`);
    }
  }
  return `tree:${lines.length}:${Bun.hash(lines.join("\n")).toString(36)}`;
}
