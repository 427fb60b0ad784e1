/**
 * `rig exec <ws> [--] <cmd…>`: parsed here rather than by commander, because everything
 * after the workspace name belongs to the command (its own flags included, `--json` too),
 * and because scripts and agents call it in loops: it loads no more than it needs.
 * Exits with the command's own exit code.
 */
import { exec as execSpec } from "../../../commands/workspaces/exec.ts";
import { GLOBAL_OPTIONS } from "../../../commands/index.ts";
import { MANY_OPTIONS } from "../../../commands/shared.ts";
import { flagNames, takesValue } from "../../../commands/spec.ts";
import { exec } from "../../../engine/api/exec.ts";
import { RigError } from "../../../errors.ts";
import { terminal } from "../../../host/terminal.ts";
import { readGlobals } from "../../argv.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { emit } from "../../ui.ts";

// rig's own options before the command: the global ones and exec's (src/commands/workspaces/exec.ts).
const OWN_OPTIONS = [...GLOBAL_OPTIONS, ...execSpec.options];
const VALUE_FLAGS = new Set(OWN_OPTIONS.filter(takesValue).flatMap(flagNames));
const BOOLEAN_FLAGS = new Set(OWN_OPTIONS.filter((o) => !takesValue(o)).flatMap(flagNames));
/** Several workspaces at once (README, "Many at once"): exec's own, not passed on (src/commands/shared.ts). */
const MANY_FLAGS = new Set(MANY_OPTIONS.flatMap(flagNames));

export interface ManyArgs {
  all: boolean;
  /** From `-w a,b` (repeatable). */
  names: string[];
  concurrency?: string;
}

export interface ExecArgs {
  /** rig's own arguments (before the command). */
  own: string[];
  workspace: string | undefined;
  command: string[];
  help: boolean;
  /** Set when --all, -w or --concurrency was given. */
  many?: ManyArgs;
}

/** Reads --all, -w/--workspaces a,b and --concurrency n into `many`; returns how many arguments it took. */
export function readManyFlag(args: readonly string[], i: number, many: ManyArgs, what: string): number {
  const arg = args[i] as string;
  const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
  const name = eq > 0 ? arg.slice(0, eq) : arg;
  if (name === "--all") {
    if (eq > 0) throw new RigError("USAGE", `${what}: --all takes no value`);
    many.all = true;
    return 1;
  }
  const value = eq > 0 ? arg.slice(eq + 1) : args[i + 1];
  if (value === undefined || value === "" || (eq < 0 && value.startsWith("-"))) throw new RigError("USAGE", `${what}: ${name} needs a value`);
  if (name === "--concurrency") many.concurrency = value;
  else many.names.push(...value.split(",").filter((n) => n !== ""));
  return eq > 0 ? 1 : 2;
}

/** Splits `exec`'s arguments: rig's options, the workspace, then the command verbatim. */
export function splitExecArgs(args: readonly string[]): ExecArgs {
  const own: string[] = [];
  let workspace: string | undefined;
  let help = false;
  let many: ManyArgs | undefined;
  // With --all or -w, no workspace name comes: the first word that is no option starts the command.
  const done = (i: number): ExecArgs => ({ own, workspace, command: args.slice(i), help, many });
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") return done(i + 1);
    if ((workspace !== undefined || many?.all || many?.names.length) && !arg.startsWith("-")) return done(i);
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (arg.startsWith("-")) {
      const name = arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
      if (MANY_FLAGS.has(name)) {
        many ??= { all: false, names: [] };
        i += readManyFlag(args, i, many, "rig exec") - 1;
        continue;
      }
      if (!VALUE_FLAGS.has(name) && !BOOLEAN_FLAGS.has(name)) {
        throw new RigError("USAGE", `rig exec: unknown option ${arg}`, { detail: ["Put the command after --: rig exec <workspace> -- <command…>"] });
      }
      own.push(arg);
      if (VALUE_FLAGS.has(arg)) {
        const value = args[++i];
        if (value === undefined) throw new RigError("USAGE", `rig exec: ${arg} needs a value`);
        own.push(value);
      }
      continue;
    }
    workspace = arg;
  }
  return { own, workspace, command: [], help, many };
}

export async function runExec(cli: Cli, argv: string[], index: number): Promise<number | null> {
  const parsed = splitExecArgs(argv.slice(index + 1));
  if (parsed.help) return null; // commander prints the help
  // Only what precedes the command is rig's: `rig exec ws ls --json` passes --json to ls.
  const globals = readGlobals([...argv.slice(0, index), ...parsed.own]);
  terminal.json = globals.json;
  if (parsed.many) {
    const { execMany } = await import("./exec-many.ts");
    return execMany(cli, globals, parsed.workspace, parsed.many, parsed.command);
  }
  if (parsed.workspace === undefined) throw new RigError("USAGE", "rig exec: name the workspace: rig exec <workspace> [--] <command…>");
  if (parsed.command.length === 0) throw new RigError("USAGE", `rig exec: name the command to run: rig exec ${parsed.workspace} -- <command…>`);
  const result = await exec(projectOptions(globals), { workspace: parsed.workspace, command: parsed.command, workflow: globals.workflow, capture: globals.json }, engineCall(cli));
  if (globals.json) emit(result, () => null);
  return result.exitCode;
}
