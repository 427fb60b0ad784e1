/** Project-defined operations: workspace operations (`rig ws1/test`) and workflow operations (`rig doctor-db`). */
import { KEPT_CODES, RigError, isRigError, messageOf } from "../../errors.ts";
import { thrownBy } from "../thrown.ts";
import { didYouMean } from "../../suggest.ts";
import { type Activity, runInActivity } from "../../host/activity.ts";
import { takeLease } from "../../state/leases.ts";
import { supervised } from "../deadline.ts";
import { host } from "../../host/local.ts";
import { moment } from "../../host/supervisor.ts";
import type { JsonObject } from "../../sdk/types.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { captureConsole } from "../capture.ts";
import type { CompiledWorkflow, OperationNode } from "../graph/compile.ts";
import { findNonJson } from "../json.ts";
import type { Project } from "../project/project.ts";
import type { EngineWorkspace } from "../project/providers.ts";
import { READY_TIMEOUT_MS, requireReady } from "../workspaces/status.ts";
import { isCommandResult } from "../../host/command-result.ts";
import { claimResource, keepStarted } from "../workspaces/lifecycle.ts";
import { redact, refuseSecrets } from "../../host/secrets.ts";

export interface OperationOptions {
  signal?: AbortSignal;
  output?: (line: string) => void;
  /** The caller has just found the workspace ready (one batched check for many: engine/workspaces/many.ts). */
  readyChecked?: boolean;
}

export function findOperation(workflow: CompiledWorkflow, id: string, kind: "workspace" | "workflow"): OperationNode {
  const map = kind === "workspace" ? workflow.workspaceOperations : workflow.operations;
  const op = map.get(id);
  if (!op) {
    // `rig <ws>/remove` is always there for workspaces.
    const known = kind === "workspace" ? [...map.keys(), "remove"] : [...map.keys()];
    throw new RigError("UNKNOWN_OPERATION", `Unknown ${kind} operation "${id}" in workflow ${workflow.name}`, {
      detail: [
        ...didYouMean(id, known),
        known.length ? `Operations: ${known.join(", ")}` : `Workflow ${workflow.name} defines no ${kind} operations.`,
      ],
    });
  }
  return op;
}

/**
 * The exit code an operation's result asks for (README, "Exit codes of actions"): a
 * command result from rig's helpers (`exec(…, { reject: false })`, `local.command()`)
 * makes rig exit with that command's code; anything else is 0.
 */
export function resultExitCode(result: unknown): number {
  return isCommandResult(result) ? result.exitCode : 0;
}

/** How many of the latest streamed lines an operation's error detail is compared with. */
const RECENT_LINES = 200;

/**
 * Runs an operation's `run` with providers from its scope; returns its JSON result (null
 * for nothing). A workspace operation starts only once the workspace is ready now: its
 * side effects must never happen on a stopped or removed machine.
 */
export async function runOperation(
  project: Project,
  workflow: CompiledWorkflow,
  op: OperationNode,
  input: unknown,
  workspace: WorkspaceRow | null,
  options: OperationOptions = {},
): Promise<unknown> {
  captureConsole();
  const label = workspace ? `${workspace.name}/${op.id}` : op.id;
  // A record is a claim: the workspace's machines must be there and running now, before
  // anything of the operation runs (one batched status query per provider).
  if (workspace && !options.readyChecked) await requireReady(project, workspace, READY_TIMEOUT_MS);
  const { store, registry } = project;
  const signal = options.signal ?? new AbortController().signal;
  const logId = store.logStart("operation", workflow.name, label);
  // The latest lines shown live: a failed command's error does not repeat them.
  const recent: string[] = [];
  const activity: Activity = {
    label,
    signal,
    log: (line) => {
      const shown = redact(line);
      recent.push(shown.trimEnd());
      if (recent.length > RECENT_LINES) recent.shift();
      options.output?.(shown);
    },
  };
  const ref: EngineWorkspace | undefined = workspace
    ? {
        name: workspace.name,
        ctx: JSON.parse(workspace.ctx) as JsonObject,
        record: () => {},
        claim: (provider, resource) => claimResource(store, workflow.name, workspace.name, provider, resource),
      }
    : undefined;
  // A shared lease: rm and stop wait for (or stop) running operations on this workspace.
  const release = workspace ? takeLease(store, workflow.name, workspace.name, op.id) : () => {};
  const since = moment();
  try {
    const result = await supervised({ signal, timeoutMs: op.timeoutMs, what: `Operation ${label}` }, async (opSignal) => {
      activity.signal = opSignal;
      const providers = await registry.runtimes(op.scope, { workflow: workflow.name, workspace: ref, log: activity.log, signal: opSignal });
      const info = { name: workflow.name, ctx: store.finalCtx(workflow.name)?.ctx ?? {}, config: op.scope.config };
      return runInActivity(activity, async () => op.run({ workflow: info, workspace: ref, input, providers, local: host, signal: opSignal }));
    });
    if (workspace) keepStarted(store, workflow.name, workspace.name, since);
    const value = result === undefined ? null : result;
    const problem = findNonJson(value, "result");
    if (problem) throw new Error(`its result is not JSON: ${problem}`);
    refuseSecrets(value, "its result");
    const exitCode = resultExitCode(value);
    store.logFinish(logId, exitCode === 0 ? "ok" : "failed", exitCode === 0 ? undefined : { error: `exit ${exitCode}` });
    return value;
  } catch (error) {
    const interrupted = isRigError(error) && error.code === "INTERRUPTED";
    store.logFinish(logId, interrupted ? "cancelled" : "failed", { error: redact(messageOf(error)) });
    if (interrupted || (isRigError(error) && error.code === "WORKSPACE_NOT_READY")) throw error;
    const code = isRigError(error) && KEPT_CODES.includes(error.code) ? error.code : "OPERATION_FAILED";
    const thrown = isRigError(error) ? { message: error.message, where: [] as string[] } : thrownBy(error);
    const message = code === "TIMEOUT" ? thrown.message : `Operation ${label} failed: ${thrown.message}`;
    // What was shown live (a failed command's output) is not repeated under the error line.
    const shown = new Set(recent);
    const detail = (isRigError(error) ? error.detail : thrown.where).map(redact).filter((line) => !shown.has(line.trimEnd()));
    throw new RigError(code as "OPERATION_FAILED", redact(message), {
      detail,
      cause: error,
      ...(workspace && { workspace: workspace.name }),
    });
  } finally {
    release();
  }
}
