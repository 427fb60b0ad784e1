/** What every command receives, and where it looks for the project. */
import { resolve } from "node:path";
import type { CallOptions } from "../engine/api/call.ts";
import type { ProjectOptions } from "../engine/project/locate.ts";
import { RigError } from "../errors.ts";
import { terminalPrompter } from "../host/prompter.ts";
import type { Globals } from "./argv.ts";
import { cliEvents } from "./progress.ts";

export interface Cli {
  globals: Globals;
  signal: AbortSignal;
}

/** Where to look for the project, from --chdir/--config/--state. */
export function projectOptions(globals: Globals): ProjectOptions {
  let cwd = process.cwd();
  if (globals.chdir !== undefined) {
    cwd = resolve(cwd, globals.chdir);
    const { statSync } = require("node:fs") as typeof import("node:fs"); // only with --chdir: node:fs costs ~3 ms to load
    let isDirectory = false;
    try {
      isDirectory = statSync(cwd, { throwIfNoEntry: false })?.isDirectory() ?? false;
    } catch {
      // a name too long, a path through a file: not a directory either
    }
    const shown = cwd.length > 200 ? `${cwd.slice(0, 200)}…` : cwd;
    if (!isDirectory) throw new RigError("USAGE", `--chdir: ${shown} is not a directory`);
  }
  return { cwd, config: globals.config, state: globals.state };
}


/**
 * What the engine gets from the command line besides a command's input: the interrupt
 * signal, the renderer of its events (timeline, hook output, notices on stderr), this
 * terminal as prompter when it may ask, and `--lock-timeout`.
 */
export function engineCall(cli: Cli): CallOptions {
  return { signal: cli.signal, events: cliEvents(), prompter: terminalPrompter(), lockTimeout: cli.globals.lockTimeout };
}
