/**
 * Where a project's files are: the config (found upward from the working directory,
 * or named by --config) and the state file. Imports nothing heavy, so commands that read
 * only the state file (ls, log, completion) start fast.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { RigError } from "../errors.ts";
import { Store } from "../state/store.ts";

export const CONFIG_NAMES = ["rigkit.config.ts", join("rigkit", "index.ts")] as const;

export interface ConfigLocation {
  /** Absolute path of the config file. */
  path: string;
  /** The project root: the directory holding `rigkit.config.ts` (or `rigkit/`). */
  root: string;
}

const locate = (root: string, name: string): ConfigLocation => ({ path: join(root, name), root });

/** The config in `start` or its nearest parent, or the file named by `--config`. */
export function findConfig(options: { cwd: string; config?: string }): ConfigLocation {
  if (options.config) {
    const path = resolve(options.cwd, options.config);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new RigError("CONFIG_NOT_FOUND", `Config file ${path} does not exist`);
    }
    // `rigkit/index.ts` belongs to the directory above `rigkit/`.
    const dir = dirname(path);
    const root = path.endsWith(join("rigkit", "index.ts")) ? dirname(dir) : dir;
    return { path, root };
  }
  let dir = resolve(options.cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) if (existsSync(join(dir, name))) return locate(dir, name);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new RigError("CONFIG_NOT_FOUND", `No rigkit.config.ts in ${resolve(options.cwd)} or any parent directory`, {
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

export function statePath(location: ConfigLocation, options: ProjectOptions): string {
  return options.state ? resolve(options.cwd, options.state) : join(stateDirOf(location), "state.sqlite");
}

/** The state file alone, for commands that need no config (ls, log, completion). */
export function openState(options: ProjectOptions): { location: ConfigLocation; store: Store } {
  const location = findConfig(options);
  return { location, store: Store.open(statePath(location, options)) };
}
