/**
 * `rig run --all <op> [flags]` and `rig run -w a,b <op> [flags]` (README, "Many at once"):
 * the engine's `runMany` (src/engine/api/many.ts), each live line rendered under its
 * workspace's prefix, one exit code: the worst. With --json, one document:
 * `{"results":[{"workspace","workflow","exitCode","result","error"}]}`.
 */
import type { OperationNode } from "../../../engine/graph/compile.ts";
import type { WorkspaceRow } from "../../../state/store.ts";
import { operationTargets, runMany as runOnMany } from "../../../engine/api/many.ts";
import { projectOf } from "../../../engine/api/call.ts";
import { RigError } from "../../../errors.ts";
import { GLOBAL_VALUE_FLAGS } from "../../../commands/index.ts";
import { MANY_OPTIONS, workflowOption } from "../../../commands/shared.ts";
import { flagNames } from "../../../commands/spec.ts";
import { parseConcurrency } from "../../../engine/options.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { type ManyArgs, readManyFlag } from "./exec.ts";
import { checkMany, finishMany, manyEvents } from "./exec-many.ts";
import { readFlags } from "./operation.ts";

const MANY_FLAGS = new Set(MANY_OPTIONS.flatMap(flagNames));
/** rig's options that take a value, kept with it in the rest (the operation's flags follow). */
const VALUE_FLAGS = new Set([...GLOBAL_VALUE_FLAGS, ...flagNames(workflowOption())]);

/** Splits `run`'s arguments: the many-workspace flags, the operation id (the first word), the rest (its flags, globals). */
export function splitRunArgs(args: readonly string[]): { many: ManyArgs; operation: string | undefined; rest: string[] } {
  const many: ManyArgs = { all: false, names: [] };
  const rest: string[] = [];
  let operation: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const name = arg.startsWith("--") && arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
    if (MANY_FLAGS.has(name)) {
      i += readManyFlag(args, i, many, "rig run") - 1;
    } else if (!arg.startsWith("-") && operation === undefined) {
      operation = arg;
    } else if (VALUE_FLAGS.has(arg) && i + 1 < args.length) {
      rest.push(arg, args[++i] as string);
    } else {
      rest.push(arg);
    }
  }
  return { many, operation, rest };
}

export async function runMany(cli: Cli, args: string[]): Promise<number> {
  const { many, operation, rest } = splitRunArgs(args);
  checkMany("rig run", many, undefined);
  if (operation === undefined) throw new RigError("USAGE", "rig run: name the operation: rig run --all <operation> [flags]");
  parseConcurrency(many.concurrency); // a bad --concurrency fails before the config loads
  const project = await projectOf(projectOptions(cli.globals));
  const input = { all: many.all, workspaces: many.names, workflow: cli.globals.workflow, concurrency: many.concurrency, operation };
  // The operation's flags are read against the first workspace's operation (its --help too).
  const [first, { op }] = [...(await operationTargets(project, input))][0] as [WorkspaceRow, { op: OperationNode }];
  const values = await readFlags(`${first.name}/${operation}`, op, rest);
  if (values === null) return 0; // help was printed
  const result = await runOnMany(project, { ...input, input: values }, { ...engineCall(cli), events: manyEvents(cli.globals.json) });
  return finishMany(cli.globals.json, result);
}
