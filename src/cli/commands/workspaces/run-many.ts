/**
 * `rig run --all <op> [flags]` and `rig run -w a,b <op> [flags]` (README, "Many at once"):
 * a workspace operation on several workspaces concurrently (at most --concurrency), each
 * live line prefixed with its workspace, one exit code: the worst. With --json, one
 * document: `{"results":[{"workspace","workflow","exitCode","result","error"}]}`.
 */
import type { CompiledWorkflow, OperationNode } from "../../../engine/graph/compile.ts";
import { validateInput } from "../../../engine/operations/inputs.ts";
import { findOperation, resultExitCode, runOperation } from "../../../engine/operations/run.ts";
import { openProject } from "../../../engine/project/project.ts";
import { onEachReady, selectWorkspaces } from "../../../engine/workspaces/many.ts";
import { RigError } from "../../../errors.ts";
import type { WorkspaceRow } from "../../../state/store.ts";
import { MANY_OPTIONS } from "../../../commands/shared.ts";
import { flagNames } from "../../../commands/spec.ts";
import { parseConcurrency as concurrency } from "../../../engine/options.ts";
import { type Cli, projectOptions } from "../../context.ts";
import { prefixed } from "../../prefixed.ts";
import { type ManyArgs, readManyFlag } from "./exec.ts";
import { checkMany, finishMany, reportFailure } from "./exec-many.ts";
import { readFlags, resultText } from "./operation.ts";

const GLOBAL_VALUE_FLAGS = new Set(["--chdir", "--config", "--state", "--workflow", "--lock-timeout"]);
const MANY_FLAGS = new Set(MANY_OPTIONS.flatMap(flagNames));

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
    } else if (GLOBAL_VALUE_FLAGS.has(arg) && i + 1 < args.length) {
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
  const limit = concurrency(many.concurrency);
  const project = await openProject(projectOptions(cli.globals));
  const { workflow } = cli.globals;
  const defining = project.workflows.filter((w) => w.workspaceOperations.has(operation) && (workflow === undefined || w.name === workflow));
  if (defining.length === 0) {
    const scope = project.workflows.find((w) => w.name === workflow) ?? project.workflows[0];
    if (scope) findOperation(scope, operation, "workspace"); // throws UNKNOWN_OPERATION with the choices
    throw new RigError("UNKNOWN_OPERATION", `Unknown workspace operation "${operation}"`);
  }
  let rows = await selectWorkspaces(project, { all: many.all, names: many.names, workflow });
  // --all: the workspaces whose workflow has the operation; -w: each named one must have it.
  if (many.all) rows = rows.filter((r) => defining.some((w) => w.name === r.workflow));
  if (rows.length === 0) throw new RigError("USAGE", `No workspace's workflow defines the operation "${operation}"`, { detail: ["Create one with `rig create <name>`."] });
  const target = new Map<WorkspaceRow, { wf: CompiledWorkflow; op: OperationNode }>();
  for (const row of rows) {
    const wf = project.workflows.find((w) => w.name === row.workflow);
    if (!wf) throw new RigError("CONFIG_ERROR", `Workspace ${row.name} belongs to workflow "${row.workflow}", which the config no longer defines`, { workspace: row.name });
    target.set(row, { wf, op: findOperation(wf, operation, "workspace") });
  }
  const first = rows[0] as WorkspaceRow;
  const values = await readFlags(`${first.name}/${operation}`, (target.get(first) as { op: OperationNode }).op, rest);
  if (values === null) return 0; // help was printed
  // Bad input fails before anything runs anywhere.
  const inputs = new Map(rows.map((row) => [row, validateInput((target.get(row) as { op: OperationNode }).op.input, values, `${row.name}/${operation}`)]));

  const say = prefixed(rows);
  const outcomes = await onEachReady<unknown>(
    project,
    rows,
    { concurrency: limit, signal: cli.signal, onNotReady: (row, error) => reportFailure(say, row, error) },
    async (row) => {
      const { wf, op } = target.get(row) as { wf: CompiledWorkflow; op: OperationNode };
      const streamed: string[] = [];
      const value = await runOperation(project, wf, op, inputs.get(row), row, {
        signal: cli.signal,
        readyChecked: true,
        output: (line) => {
          streamed.push(line);
          say.line(row, "stderr", line);
        },
      });
      if (!cli.globals.json) {
        const text = resultText(value, streamed.join("\n"));
        if (text) for (const line of text.split("\n")) say.line(row, "stdout", line);
      }
      return { exitCode: resultExitCode(value), value };
    },
  );
  return finishMany({ signal: cli.signal, json: cli.globals.json }, say, outcomes, (o) => ({ result: o.value === undefined ? null : o.value }));
}
