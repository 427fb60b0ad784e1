/**
 * Task `inputs` (README "The config"): file globs relative to the project root whose content is part
 * of a task's cache key. `.rigkit/`, `.git/` and git-ignored files are left out. Content
 * hashes are kept in the state file with each file's size, mtime and inode, so a plan
 * over many unchanged files stats them and reads none.
 */
import { dirname, isAbsolute, join } from "node:path";
import { RigError } from "../../errors.ts";
import type { Store } from "../../state/store.ts";
import { hash } from "./fingerprint.ts";

/** The files a task's globs matched: path → content hash, and one hash of the whole set. */
export interface InputSnapshot {
  hash: string;
  files: Record<string, string>;
}

interface StatRow {
  size: number;
  mtime_ms: number;
  ino: number;
  hash: string;
}

/**
 * A file modified this recently may change again within the mtime's granularity without
 * its stat changing ("racy git"): hash it, but do not trust its stat next time.
 */
const RACY_MS = 2000;

// The cheap test first: it decides for almost every path of a large tree.
const excluded = (path: string): boolean => (path.includes(".rigkit") || path.includes(".git")) && /(^|\/)\.(rigkit|git)(\/|$)/.test(path);

/** A glob must stay inside the project: relative, without `..`. */
function checkGlob(glob: unknown): string {
  if (typeof glob !== "string" || glob === "" || isAbsolute(glob) || glob.split(/[\\/]/).includes("..")) {
    throw new RigError("CONFIG_ERROR", `inputs: ${JSON.stringify(glob)} is not a glob relative to the config's directory`, {
      detail: ['Use paths like "package.json" or "src/**" (no leading "/", no "..").'],
    });
  }
  return glob;
}

// node:fs costs a few ms to load: only tasks with inputs pay for it.
const fs = (): typeof import("node:fs") => require("node:fs");

/** Whether `root` is inside a git work tree (a `.git` here or above), without running git. */
function inGitRepo(root: string): boolean {
  const { existsSync } = fs();
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return true;
    if (dirname(dir) === dir) return false;
  }
}

/** Of `paths` (relative to root), those git ignores; none outside a repository or without git. */
function gitIgnored(root: string, paths: readonly string[]): Set<string> {
  if (paths.length === 0 || !inGitRepo(root)) return new Set();
  try {
    const result = Bun.spawnSync(["git", "check-ignore", "-z", "--stdin"], {
      cwd: root,
      stdin: new TextEncoder().encode(paths.join("\0")),
      stdout: "pipe",
      stderr: "ignore",
    });
    // 0: some are ignored; 1: none; 128: not a repository.
    if (result.exitCode !== 0) return new Set();
    return new Set(result.stdout.toString().split("\0").filter(Boolean));
  } catch {
    return new Set(); // no git: nothing is ignored
  }
}

/** A stat cache row as SQLite returns it: path, size, mtime_ms, ino, hash. */
type StatValues = [string, number, number, number, string];

const LSTAT = { throwIfNoEntry: false } as const;

export class FileInputs {
  private stats: Map<string, StatValues> | null = null;

  constructor(
    private readonly root: string,
    private readonly store: Store,
  ) {}

  /** The files matching `globs` now, with their content hashes. */
  snapshot(globs: readonly string[]): InputSnapshot {
    if (!Array.isArray(globs)) {
      throw new RigError("CONFIG_ERROR", `inputs must be an array of globs, not ${JSON.stringify(globs)}`, { detail: ['e.g. inputs: ["package.json", "src/**"]'] });
    }
    const matched = new Set<string>();
    for (const glob of globs.map(checkGlob)) {
      for (const path of new Bun.Glob(glob).scanSync({ cwd: this.root, dot: true, onlyFiles: true, followSymlinks: false })) {
        if (!excluded(path)) matched.add(path);
      }
    }
    const paths = [...matched].sort();
    const ignored = gitIgnored(this.root, paths);
    const { lstatSync, readFileSync, readlinkSync } = fs();
    const stats = this.statCache();
    // path, content hash: the files of the snapshot (an object of 10,000 keys only if asked for).
    const entries: [string, string][] = [];
    const fresh: [string, StatRow | null][] = [];
    const now = Date.now();
    // The set's hash: the globs, then "path\0hash" lines in path order.
    const lines = [JSON.stringify(globs)];
    for (const path of paths) {
      if (ignored.has(path)) continue;
      const full = `${this.root}/${path}`;
      const st = lstatSync(full, LSTAT);
      if (!st || st.isDirectory()) continue; // gone (or replaced by a directory) since the scan
      const cached = stats.get(path);
      if (cached && cached[1] === st.size && cached[2] === st.mtimeMs && cached[3] === st.ino) {
        entries.push([path, cached[4]]);
        lines.push(`${path}\0${cached[4]}`);
        continue;
      }
      // A symlink is hashed as its target's name, never followed.
      const content = st.isSymbolicLink() ? `symlink:${readlinkSync(full)}` : readFileSync(full);
      const contentHash = typeof content === "string" ? hash(content) : new Bun.CryptoHasher("sha256").update(content).digest("hex").slice(0, 32);
      entries.push([path, contentHash]);
      lines.push(`${path}\0${contentHash}`);
      const row = { size: st.size, mtime_ms: st.mtimeMs, ino: st.ino, hash: contentHash };
      fresh.push([path, now - st.mtimeMs < RACY_MS ? null : row]);
    }
    this.remember(fresh);
    let files: Record<string, string> | undefined;
    return {
      hash: hash(lines.join("\n")),
      get files() {
        files ??= Object.fromEntries(entries);
        return files;
      },
    };
  }

  /** The stat cache, read once; rows kept as SQLite returns them (10,000 files, no object each). */
  private statCache(): Map<string, StatValues> {
    if (this.stats === null) {
      const rows = this.store.db.query("SELECT path, size, mtime_ms, ino, hash FROM input_files").values() as StatValues[];
      this.stats = new Map(rows.map((row) => [row[0], row]));
    }
    return this.stats;
  }

  /** Saves new stat rows (a racy file's row is dropped, so it is hashed again next time). */
  private remember(rows: [string, StatRow | null][]): void {
    if (rows.length === 0) return;
    const upsert = this.store.db.query("INSERT OR REPLACE INTO input_files (path, size, mtime_ms, ino, hash) VALUES (?, ?, ?, ?, ?)");
    const drop = this.store.db.query("DELETE FROM input_files WHERE path = ?");
    try {
      this.store.db.transaction(() => {
        for (const [path, row] of rows) {
          if (row) {
            upsert.run(path, row.size, row.mtime_ms, row.ino, row.hash);
            this.stats?.set(path, [path, row.size, row.mtime_ms, row.ino, row.hash]);
          } else {
            drop.run(path);
            this.stats?.delete(path);
          }
        }
      })();
    } catch {
      // A read-only or busy state file: the cache is an optimisation, the hashes stand.
    }
  }
}

const instances = new WeakMap<Store, FileInputs>();

/** The project's file-input hasher (one per state file, so its stat cache loads once). */
export function fileInputs(root: string, store: Store): FileInputs {
  let instance = instances.get(store);
  if (!instance) {
    instance = new FileInputs(root, store);
    instances.set(store, instance);
  }
  return instance;
}
