/**
 * The shape of the command table (src/commands/): what rig's built-in commands are,
 * stated once as data. commander's program, the fast lane, completion, the argv scanner,
 * `rig exec`'s own parser, the names operations may not take and the flags operation
 * inputs may not take are all derived from it (docs/architecture.md "Adding a command").
 *
 * Data only, no imports of code: completion and the fast lane read it on every run.
 */

/** What completes an option's value or a positional argument (src/cli/complete.ts). */
export type Completes = "workflow" | "workspace" | "operation" | "task" | "command" | "choices" | "none" | "files";

export interface OptionSpec {
  /** commander's flags: `--workflow <name>`, `-y, --yes`, `-n, --limit <n>`. */
  flags: string;
  description: string;
  /** Shown in help and applied when the option is left out. */
  default?: string;
  /** The only values accepted (checked by commander and the fast lane). */
  choices?: readonly string[];
  /** What completes its value (default: files for values, nothing for switches). */
  completes?: Completes;
}

export interface ArgSpec {
  /** commander's form: `<workspace>`, `[name...]`. */
  name: string;
  description?: string;
  /** Checked by commander. */
  choices?: readonly string[];
  /** What completes it; `values` are offered too (cache actions). */
  completes: Completes;
  values?: readonly string[];
}

export interface CommandSpec {
  name: string;
  aliases?: readonly string[];
  /** One line for help's command list. */
  description: string;
  /** A shorter line beside the command in shell completion. */
  summary: string;
  args?: readonly ArgSpec[];
  options?: readonly OptionSpec[];
  examples: readonly string[];
  /**
   * Runs without commander when its arguments are plain (src/cli/fastlane.ts): the
   * commands scripts and agents call most.
   */
  fastLane?: boolean;
  /** Parses its own arguments (`exec`: everything after the workspace is the command's). */
  ownParser?: boolean;
  /** Unknown options go to the handler (`run`: the operation's flags). */
  passThrough?: boolean;
  /**
   * A workspace operation may take this name (`rig ws1/shell` is the project's own, `rig
   * shell ws1` the built-in), so configs with their own `shell` or `exec` keep loading.
   * Workflow operations never may.
   */
  workspaceOperationMayShadow?: boolean;
  /** commander's own (`help`): in the table for names, completion and reserved names only. */
  builtIn?: boolean;
}

/** The long name of an option's flags (`-y, --yes` → `--yes`). */
export const longFlag = (option: Pick<OptionSpec, "flags">): string => (/--[a-z0-9-]+/.exec(option.flags)?.[0] ?? option.flags);

/** Every flag spelling of an option (`-y, --yes` → `-y`, `--yes`). */
export const flagNames = (option: Pick<OptionSpec, "flags">): string[] => option.flags.match(/--?[a-zA-Z0-9-]+/g) ?? [];

/** Whether the option takes a value (`--workflow <name>`). */
export const takesValue = (option: Pick<OptionSpec, "flags">): boolean => /[<[]/.test(option.flags);

/** The key commander gives an option's value (`--dry-run` → `dryRun`). */
export const attributeName = (option: Pick<OptionSpec, "flags">): string =>
  longFlag(option)
    .slice(2)
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Whether a positional argument repeats (`[name...]`). */
export const isVariadic = (arg: ArgSpec): boolean => arg.name.includes("...");
