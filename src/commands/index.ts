/**
 * The command table: every built-in command, registered once, in help's order. Each
 * command is declared in its own file here; its handler is src/cli/commands/<name>.ts,
 * loaded only when it runs (src/cli/commands/index.ts, typed against this table).
 * Everything else that knows the command surface is derived from this list.
 */
import { apply } from "./apply.ts";
import { cache } from "./cache.ts";
import { code } from "./code.ts";
import { completion } from "./completion.ts";
import { create } from "./create.ts";
import { diff } from "./diff.ts";
import { doctor } from "./doctor.ts";
import { exec } from "./exec.ts";
import { forward } from "./forward.ts";
import { gc } from "./gc.ts";
import { help } from "./help.ts";
import { init } from "./init.ts";
import { log } from "./log.ts";
import { ls } from "./ls.ts";
import { mcp } from "./mcp.ts";
import { merge } from "./merge.ts";
import { plan } from "./plan.ts";
import { projects } from "./projects.ts";
import { providers } from "./providers.ts";
import { renew } from "./renew.ts";
import { rm } from "./rm.ts";
import { run } from "./run.ts";
import { serve } from "./serve.ts";
import { GLOBAL_OPTIONS, HELP_FLAGS } from "./shared.ts";
import { shell } from "./shell.ts";
import { type CommandSpec, flagNames, longFlag, takesValue } from "./spec.ts";
import { start } from "./start.ts";
import { stop } from "./stop.ts";
import { ui } from "./ui.ts";
import { version } from "./version.ts";

export { GLOBAL_OPTIONS };

export const COMMANDS = [
  init,
  plan,
  apply,
  create,
  rm,
  ls,
  exec,
  shell,
  stop,
  start,
  forward,
  code,
  renew,
  diff,
  merge,
  run,
  cache,
  log,
  gc,
  projects,
  doctor,
  completion,
  providers,
  serve,
  ui,
  mcp,
  version,
  help,
] as const satisfies readonly CommandSpec[];

/** The commands with a handler: all but commander's own (`help`) and those parsing their own arguments (`exec`). */
type Handled<C> = C extends { builtIn: true } | { ownParser: true } ? never : C extends { name: infer N } ? N : never;
export type CommandName = Handled<(typeof COMMANDS)[number]>;

/** Every command by its name and by each alias. */
export const COMMAND_BY_NAME: ReadonlyMap<string, CommandSpec> = new Map(
  COMMANDS.flatMap((c: CommandSpec) => [c.name, ...(c.aliases ?? [])].map((name) => [name, c] as const)),
);

/** Every word that is a built-in command (names and aliases): never an operation. */
export const BUILTIN_COMMANDS: readonly string[] = [...COMMAND_BY_NAME.keys()];

/**
 * The names a workspace operation may not take: the built-in commands, except those whose
 * workspace form is the project's own (`rig ws1/shell`); `stop`, `start` and `remove` are
 * built in there too (`rig ws1/stop`).
 */
export const RESERVED_WORKSPACE_OPERATIONS: readonly string[] = COMMANDS.flatMap((c: CommandSpec) =>
  c.workspaceOperationMayShadow ? [] : [c.name, ...(c.aliases ?? [])],
);

/** The flags (without dashes) an operation input may not take: the global options, help, version and --workflow. */
export const RESERVED_INPUT_FLAGS: readonly string[] = [...GLOBAL_OPTIONS.map(longFlag), ...HELP_FLAGS, "--workflow"].map((f) => f.slice(2));

/** Global options that take a value (`--chdir`, …). */
export const GLOBAL_VALUE_FLAGS: readonly string[] = GLOBAL_OPTIONS.filter(takesValue).flatMap(flagNames);

/** Every option, global or of any command, that takes a separate value: the argv scanner skips it. */
export const VALUE_FLAGS: ReadonlySet<string> = new Set([
  ...GLOBAL_VALUE_FLAGS,
  ...COMMANDS.flatMap((c: CommandSpec) => (c.options ?? []).filter(takesValue).flatMap(flagNames)),
]);
