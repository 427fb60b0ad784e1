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
import { checkAlongside } from "../workspaces/status.ts";
import { claimResource, keepStarted } from "../workspaces/hooks.ts";
import { redact, refuseSecrets } from "../../host/secrets.ts";

export interface OperationOptions {
  signal?: AbortSignal;
  output?: (line: string) => void;
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

/** Runs an operation's `run` with providers from its scope; returns its JSON result (null for nothing). */
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
  // A record is a claim: the workspace's machines must be there and running now.
  const { verdict } = workspace ? await checkAlongside(project, workspace) : { verdict: Promise.resolve(null) };
  const { store, registry } = project;
  const interrupt = options.signal ?? new AbortController().signal;
  const notReady = new AbortController();
  void verdict.then((error) => error && notReady.abort());
  const signal = AbortSignal.any([interrupt, notReady.signal]);
  const logId = store.logStart("operation", workflow.name, label);
  const activity: Activity = { label, signal, log: (line) => options.output?.(redact(line)) };
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
    }).finally(async () => {
      // Not ready wins over whatever the operation did or threw (an interrupt aside: it stands).
      const error = interrupt.aborted ? null : await verdict;
      if (error) throw error;
    });
    if (workspace) keepStarted(store, workflow.name, workspace.name, since);
    const value = result === undefined ? null : result;
    const problem = findNonJson(value, "result");
    if (problem) throw new Error(`its result is not JSON: ${problem}`);
    refuseSecrets(value, "its result");
    store.logFinish(logId, "ok");
    return value;
  } catch (error) {
    const interrupted = isRigError(error) && error.code === "INTERRUPTED";
    store.logFinish(logId, interrupted ? "cancelled" : "failed", { error: redact(messageOf(error)) });
    if (interrupted || (isRigError(error) && error.code === "WORKSPACE_NOT_READY")) throw error;
    const code = isRigError(error) && KEPT_CODES.includes(error.code) ? error.code : "OPERATION_FAILED";
    const thrown = isRigError(error) ? { message: error.message, where: [] as string[] } : thrownBy(error);
    const message = code === "TIMEOUT" ? thrown.message : `Operation ${label} failed: ${thrown.message}`;
    throw new RigError(code as "OPERATION_FAILED", redact(message), {
      detail: (isRigError(error) ? error.detail : thrown.where).map(redact),
      cause: error,
      ...(workspace && { workspace: workspace.name }),
    });
  } finally {
    release();
  }
}
