/**
 * The command table: every built-in command, registered once, in help's order. Each
 * command is declared in its own file here, grouped as the engine is (graph/, workspaces/,
 * changes/, project/, clients/); its handler is src/cli/commands/<group>/<name>.ts,
 * loaded only when it runs (src/cli/commands/index.ts, typed against this table).
 * Everything else that knows the command surface is derived from this list.
 */
import { apply } from "./graph/apply.ts";
import { cache } from "./graph/cache.ts";
import { code } from "./workspaces/code.ts";
import { completion } from "./completion.ts";
import { create } from "./workspaces/create.ts";
import { diff } from "./changes/diff.ts";
import { doctor } from "./project/doctor.ts";
import { exec } from "./workspaces/exec.ts";
import { forward } from "./workspaces/forward.ts";
import { gc } from "./project/gc.ts";
import { help } from "./help.ts";
import { init } from "./project/init.ts";
import { log } from "./graph/log.ts";
import { ls } from "./workspaces/ls.ts";
import { mcp } from "./clients/mcp.ts";
import { merge } from "./changes/merge.ts";
import { plan } from "./graph/plan.ts";
import { projects } from "./project/projects.ts";
import { providers } from "./project/providers.ts";
import { renew } from "./workspaces/renew.ts";
import { rm } from "./workspaces/rm.ts";
import { run } from "./workspaces/run.ts";
import { serve } from "./clients/serve.ts";
import { GLOBAL_OPTIONS, HELP_FLAGS } from "./shared.ts";
import { shell } from "./workspaces/shell.ts";
import { type CommandSpec, flagNames, longFlag, takesValue } from "./spec.ts";
import { start } from "./workspaces/start.ts";
import { stop } from "./workspaces/stop.ts";
import { ui } from "./clients/ui.ts";
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
