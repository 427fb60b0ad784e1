/** Options several commands share, and the global options every command accepts. */
import { DEFAULT_LOCK_TIMEOUT } from "./defaults.ts";
import type { OptionSpec } from "./spec.ts";

/**
 * Accepted before or after the command word, by every command and operation (README
 * "Global options"). Operation inputs may not take these names.
 */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flags: "--chdir <dir>", description: "run as if rig was started in <dir>", completes: "files" },
  { flags: "--config <file>", description: "use this config file instead of searching for rigkit.config.ts", completes: "files" },
  { flags: "--state <file>", description: "use this state file instead of .rigkit/state.sqlite", completes: "files" },
  { flags: "--json", description: "print exactly one JSON document on stdout" },
  {
    flags: "--lock-timeout <duration>",
    description: "how long to wait for another rig changing this project (e.g. 30s, 5m; 0 = fail at once)",
    default: DEFAULT_LOCK_TIMEOUT,
    completes: "none",
  },
];

/** Flags commander gives every command; operation inputs may not take them either. */
export const HELP_FLAGS = ["--help", "--version"] as const;

export const workflowOption = (description = "the workflow to use (needed when the project has several)"): OptionSpec => ({
  flags: "--workflow <name>",
  description,
  completes: "workflow",
});

export const concurrencyOption: OptionSpec = {
  flags: "--concurrency <n>",
  description: "run at most n tasks (and workspace creations) at once (default: the number of CPUs)",
  completes: "none",
};

export const allWorkflows: OptionSpec = { flags: "--all", description: "every workflow of the project" };

export const discover: OptionSpec = { flags: "--discover", description: "every project below the current directory (as `rig projects` lists them)" };

export const yes: OptionSpec = { flags: "-y, --yes", description: "do not ask for confirmation" };
