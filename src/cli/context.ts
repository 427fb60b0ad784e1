/** What every command receives, and where it looks for the project. */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { ProjectOptions } from "../engine/locate.ts";
import { RigError } from "../errors.ts";
import type { Globals } from "./argv.ts";

export interface Cli {
  globals: Globals;
  signal: AbortSignal;
}

/** Where to look for the project, from --chdir/--config/--state. */
export function projectOptions(globals: Globals): ProjectOptions {
  let cwd = process.cwd();
  if (globals.chdir !== undefined) {
    cwd = resolve(cwd, globals.chdir);
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw new RigError("USAGE", `--chdir: ${cwd} is not a directory`);
  }
  return { cwd, config: globals.config, state: globals.state };
}

