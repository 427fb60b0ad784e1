/**
 * Where a project's files are: the config (found upward from the working directory,
 * or named by --config) and the state file. Imports nothing heavy (file checks use
 * Bun.file, not node:fs), so commands that read only the state file (ls, log,
 * completion) start fast.
 */
import { dirname, join, resolve } from "node:path";
import { RigError } from "../../errors.ts";
import { Store } from "../../state/store.ts";

export const CONFIG_NAMES = ["rigkit.config.ts", join("rigkit", "index.ts")] as const;

export interface ConfigLocation {
  /** Absolute path of the config file. */
  path: string;
  /** The project root: the directory holding `rigkit.config.ts` (or `rigkit/`). */
  root: string;
}

const locate = (root: string, name: string): ConfigLocation => ({ path: join(root, name), root });

/** The config in `start` or its nearest parent, or the file named by `--config`. */
export async function findConfig(options: { cwd: string; config?: string }): Promise<ConfigLocation> {
  // False for directories, and for paths that cannot name a file at all (too long, …).
  const isFile = async (path: string) => {
    try {
      return await Bun.file(path).exists();
    } catch {
      return false;
    }
  };
  if (options.config) {
    const path = resolve(options.cwd, options.config);
    if (!(await isFile(path))) {
      throw new RigError("CONFIG_NOT_FOUND", `Config file ${path.length > 200 ? `${path.slice(0, 200)}…` : path} does not exist`);
    }
    // `rigkit/index.ts` belongs to the directory above `rigkit/`.
    const dir = dirname(path);
    const root = path.endsWith(join("rigkit", "index.ts")) ? dirname(dir) : dir;
    return { path, root };
  }
  let dir = resolve(options.cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) if (await isFile(join(dir, name))) return locate(dir, name);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new RigError("CONFIG_NOT_FOUND", `No rigkit.config.ts (or rigkit/index.ts) in ${resolve(options.cwd)} or any parent directory`, {
    detail: ["Run `rig init` to create one, or pass --config <file> or --chdir <dir>."],
  });
}

export interface ProjectOptions {
  cwd: string;
  /** `--config <file>` */
  config?: string;
  /** `--state <file>` */
  state?: string;
}

export const stateDirOf = (location: ConfigLocation): string => join(location.root, ".rigkit");

/** The project's identity directory: the real path of its root (the same project however it is reached). */
export function projectDirOf(location: ConfigLocation): string {
  const { realpathSync } = require("node:fs") as typeof import("node:fs"); // only when opening for writing
  try {
    return realpathSync(location.root);
  } catch {
    return location.root;
  }
}

export function statePath(location: ConfigLocation, options: ProjectOptions): string {
  return options.state ? resolve(options.cwd, options.state) : join(stateDirOf(location), "state.sqlite");
}

/**
 * The state file alone, for commands that need no config. `readOnly` (ls, log,
 * projects, completion) never creates or migrates it: null when there is none.
 */
export async function openState(options: ProjectOptions): Promise<{ location: ConfigLocation; store: Store }>;
export async function openState(options: ProjectOptions, mode: { readOnly: true }): Promise<{ location: ConfigLocation; store: Store | null }>;
export async function openState(options: ProjectOptions, mode?: { readOnly: true }): Promise<{ location: ConfigLocation; store: Store | null }> {
  const location = await findConfig(options);
  const path = statePath(location, options);
  return { location, store: mode?.readOnly ? await Store.openReadOnly(path) : Store.open(path, { projectDir: projectDirOf(location) }) };
}

const SKIP = new Set([".git", ".rigkit", "node_modules", "dist", "build"]);

/** Directories below `root` holding a config (as `rig projects` lists them), without following symlinks. */
export function findProjects(root: string): { root: string; config: string }[] {
  const { existsSync, readdirSync } = require("node:fs") as typeof import("node:fs"); // lazily: see the top of this file
  const found: { root: string; config: string }[] = [];
  const walk = (dir: string) => {
    const config = CONFIG_NAMES.map((name) => join(dir, name)).find((path) => existsSync(path));
    if (config) found.push({ root: dir, config });
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable: skip quietly, like find(1) would not
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && !SKIP.has(entry.name)) walk(join(dir, entry.name));
    }
  };
  walk(root);
  return found;
}
