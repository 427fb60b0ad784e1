/**
 * `execMany` and `runMany` through the API: a command, or a workspace operation, on
 * several workspaces at once (README, "Many at once"). One live status check of them all
 * first, then the work on the ready ones, at most `concurrency` at a time; one failing
 * never stops the others. Events: `many.started` (which workspaces, in order), then each
 * one's `exec.output` / `operation.output` lines, `many.failed` for a workspace that
 * failed without a result of its own (not ready, an error), and `operation.finished`
 * with each operation's result. Returns the `--json` document, `{ results }`; the exit
 * code is the worst of theirs (`worstExitCode`).
 */
import { RigError } from "../../errors.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import type { CompiledWorkflow, OperationNode } from "../graph/compile.ts";
import { validateInput } from "../operations/inputs.ts";
import { findOperation, resultExitCode, runOperation } from "../operations/run.ts";
import { parseConcurrency } from "../options.ts";
import type { Project } from "../project/project.ts";
import { type Outcome, onEachReady, selectWorkspaces } from "../workspaces/many.ts";
import { type CallOptions, type ProjectRef, callParts, projectOf } from "./call.ts";

export { worstExitCode } from "../workspaces/many.ts";

/** Which workspaces: `all` of them (of `workflow` when given), or those named. */
export interface ManyInput {
  all?: boolean;
  workspaces?: string[];
  workflow?: string;
  /** At most this many at once (`--concurrency`; default: the number of CPUs). */
  concurrency?: number | string;
}

/** One workspace's entry in the result; `error` when it failed without a result of its own. */
export type ManyEntry<T> = { workspace: string; workflow: string; exitCode: number } & T & { error: { code: string; message: string } | null };

export interface ManyResult<T> {
  results: ManyEntry<T>[];
}

type Emit = ReturnType<typeof callParts>["emit"];

/** Runs `work` on each ready workspace and makes the document, `entry` adding each one's own keys. */
async function onMany<T, E>(
  project: Project,
  rows: WorkspaceRow[],
  concurrency: number,
  call: CallOptions,
  work: (row: WorkspaceRow, emit: Emit, signal: AbortSignal) => Promise<{ exitCode: number; value: T }>,
  entry: (o: Outcome<T>) => E,
): Promise<ManyResult<E>> {
  const { signal, emit } = callParts(call);
  const failed = (row: WorkspaceRow, error: RigError) =>
    emit({ type: "many.failed", workflow: row.workflow, workspace: row.name, code: error.code, message: error.message, detail: error.detail });
  emit({ type: "many.started", workspaces: rows.map((r) => ({ workflow: r.workflow, name: r.name })) });
  const outcomes = await onEachReady<T>(project, rows, { concurrency, signal, onNotReady: failed }, (row) => work(row, emit, signal));
  // The other failures once all have ended, in order (a not-ready one was told at once).
  for (const o of outcomes) if (o.error && o.error.code !== "WORKSPACE_NOT_READY") failed(o.row, o.error);
  if (signal.aborted) throw new RigError("INTERRUPTED", "Interrupted");
  return {
    results: outcomes.map((o) => ({
      workspace: o.row.name,
      workflow: o.row.workflow,
      exitCode: o.exitCode,
      ...entry(o),
      error: o.error ? { code: o.error.code, message: o.error.message } : null,
    })),
  };
}

const rowsOf = (project: Project, input: ManyInput) => selectWorkspaces(project, { all: input.all === true, names: input.workspaces ?? [], workflow: input.workflow });

export interface ExecManyInput extends ManyInput {
  /** The command and its arguments (argv, no shell). */
  command: string[];
}

/** `rig exec --all|-w a,b -- <command…>`: each workspace's exit code and output. */
export async function execMany(ref: ProjectRef, input: ExecManyInput, call: CallOptions = {}): Promise<ManyResult<{ stdout: string; stderr: string }>> {
  if (input.command.length === 0) throw new RigError("USAGE", "Name the command to run");
  const concurrency = parseConcurrency(input.concurrency);
  const project = await projectOf(ref);
  const rows = await rowsOf(project, input);
  const { accessFor } = await import("../workspaces/access.ts");
  return onMany(
    project,
    rows,
    concurrency,
    call,
    async (row, emit, signal) => {
      const { controller, handle } = await accessFor(project, row, "exec", "run commands (exec)");
      let streamed = false;
      const line = (stream: "stdout" | "stderr", text: string) => emit({ type: "exec.output", workflow: row.workflow, workspace: row.name, stream, data: `${text}\n` });
      const output = (stream: "stdout" | "stderr", text: string) => {
        streamed = true;
        line(stream, text);
      };
      const result = await (controller.exec as NonNullable<typeof controller.exec>)(handle, input.command, { capture: true, signal, output });
      // A provider that does not stream lines: its captured output, line by line, once it ends.
      if (!streamed) {
        for (const [stream, text] of [["stdout", result.stdout], ["stderr", result.stderr]] as const) {
          if (text) for (const each of text.replace(/\n$/, "").split("\n")) line(stream, each);
        }
      }
      emit({ type: "exec.exit", workflow: row.workflow, workspace: row.name, exitCode: result.exitCode });
      return { exitCode: result.exitCode, value: result };
    },
    (o) => ({ stdout: o.value?.stdout ?? "", stderr: o.value?.stderr ?? "" }),
  );
}

export interface RunManyInput extends ManyInput {
  operation: string;
  /** The operation's input, by key (validated for every workspace before any runs). */
  input?: Record<string, unknown>;
}

/** Each workspace and the operation it runs. */
export type ManyTargets = Map<WorkspaceRow, { workflow: CompiledWorkflow; op: OperationNode }>;

/**
 * The workspaces `runMany` would run the operation on: with `all`, those whose workflow
 * defines it; named ones must each have it. (The CLI reads the operation's flags from the
 * first before running.)
 */
export async function operationTargets(project: Project, input: Omit<RunManyInput, "input">): Promise<ManyTargets> {
  const { operation, workflow } = input;
  const defining = project.workflows.filter((w) => w.workspaceOperations.has(operation) && (workflow === undefined || w.name === workflow));
  if (defining.length === 0) {
    const scope = project.workflows.find((w) => w.name === workflow) ?? project.workflows[0];
    if (scope) findOperation(scope, operation, "workspace"); // throws UNKNOWN_OPERATION with the choices
    throw new RigError("UNKNOWN_OPERATION", `Unknown workspace operation "${operation}"`);
  }
  let rows = await rowsOf(project, input);
  if (input.all) rows = rows.filter((r) => defining.some((w) => w.name === r.workflow));
  if (rows.length === 0) throw new RigError("USAGE", `No workspace's workflow defines the operation "${operation}"`, { detail: ["Create one with `rig create <name>`."] });
  const targets: ManyTargets = new Map();
  for (const row of rows) {
    const wf = project.workflows.find((w) => w.name === row.workflow);
    if (!wf) throw new RigError("CONFIG_ERROR", `Workspace ${row.name} belongs to workflow "${row.workflow}", which the config no longer defines`, { workspace: row.name });
    targets.set(row, { workflow: wf, op: findOperation(wf, operation, "workspace") });
  }
  return targets;
}

/** `rig run --all|-w a,b <operation>`: each workspace's result (its exit code from a command result). */
export async function runMany(ref: ProjectRef, input: RunManyInput, call: CallOptions = {}): Promise<ManyResult<{ result: unknown }>> {
  const concurrency = parseConcurrency(input.concurrency);
  const project = await projectOf(ref);
  const targets = await operationTargets(project, input);
  // Bad input fails before anything runs anywhere.
  const inputs = new Map([...targets].map(([row, { op }]) => [row, validateInput(op.input, input.input ?? {}, `${row.name}/${input.operation}`)]));
  return onMany(
    project,
    [...targets.keys()],
    concurrency,
    call,
    async (row, emit, signal) => {
      const { workflow, op } = targets.get(row) as { workflow: CompiledWorkflow; op: OperationNode };
      const base = { workflow: row.workflow, workspace: row.name, operation: op.id };
      const label = `${row.name}/${op.id}`;
      const value = await runOperation(project, workflow, op, inputs.get(row), row, {
        signal,
        readyChecked: true,
        output: (line) => emit({ type: "operation.output", ...base, label, line }),
      });
      const exitCode = resultExitCode(value);
      emit({ type: "operation.finished", ...base, exitCode, result: value ?? null });
      return { exitCode, value };
    },
    (o) => ({ result: o.value === undefined ? null : o.value }),
  );
}
