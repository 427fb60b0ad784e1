/**
 * Running workspace hook code (create, remove, stop, start): the providers in the hook's
 * scope, its output captured, its time limit, and the processes it leaves running noted
 * for the workspace; and recording the resources a provider claims for a workspace.
 */
import { type Activity, runInActivity } from "../../host/activity.ts";
import { host } from "../../host/local.ts";
import { type Moment, moment, startedSince, stopProcesses } from "../../host/supervisor.ts";
import type { WorkspaceResource } from "../../sdk/provider.ts";
import { recordProcesses, takeProcesses } from "../../state/leases.ts";
import type { Store } from "../../state/store.ts";
import { RigError } from "../../errors.ts";
import { captureConsole } from "../capture.ts";
import type { CompiledWorkflow } from "../graph/compile.ts";
import { supervised } from "../deadline.ts";
import { findNonJson, isPlainObject } from "../json.ts";
import type { Project } from "../project/project.ts";
import type { EngineWorkspace } from "../project/providers.ts";
import { redact, refuseSecrets } from "../../host/secrets.ts";

export interface HookOptions {
  signal?: AbortSignal;
  /** rm only: forget the workspace even when its remove hook fails. */
  force?: boolean;
  /** Live output of hooks, per workspace. */
  output?: (workspace: string, line: string) => void;
}

export function hooksOf(workflow: CompiledWorkflow) {
  if (!workflow.workspace) {
    throw new RigError("USAGE", `Workflow "${workflow.name}" defines no workspaces`, {
      detail: ["Add .workspace({ create, remove }) to it in the config."],
    });
  }
  return workflow.workspace;
}

/**
 * A hook or operation that succeeded may leave processes running on purpose (a dev
 * server): those of this rig started since `since` (moment() taken before it ran) are
 * noted for the workspace, and `rm`/`stop` end them (README "Signals").
 */
export function keepStarted(store: Store, workflow: string, workspace: string, since: Moment): void {
  const started = startedSince(since);
  if (started.length > 0) recordProcesses(store, workflow, workspace, started);
}

/** Ends what hooks and operations left running for a workspace. */
export async function stopWorkspaceProcesses(store: Store, workflow: string, workspace: string): Promise<void> {
  const noted = takeProcesses(store, workflow, workspace);
  if (noted.length > 0) await stopProcesses(noted);
}

/**
 * The context user hook code runs in: providers in the hook's scope, output captured.
 * `removing`: the remove hook, after which the workspace is forgotten, so what it leaves
 * running is not noted for it (and no /proc scan is made).
 */
export async function runHook<T>(
  project: Project,
  workflow: CompiledWorkflow,
  workspace: EngineWorkspace,
  options: HookOptions,
  call: (args: Record<string, unknown>) => T,
  removing = false,
): Promise<Awaited<T>> {
  captureConsole();
  const hooks = hooksOf(workflow);
  const signal = options.signal ?? new AbortController().signal;
  const activity: Activity = { label: workspace.name, signal, log: (line) => options.output?.(workspace.name, redact(line)) };
  const what = `The workspace hook for ${workspace.name}`;
  const since = moment();
  const result = await supervised({ signal, timeoutMs: hooks.timeoutMs, what }, async (hookSignal): Promise<Awaited<T>> => {
    activity.signal = hookSignal;
    const providers = await project.registry.runtimes(hooks.scope, { workflow: workflow.name, workspace, log: activity.log, signal: hookSignal });
    const applied = project.store.finalCtx(workflow.name);
    const info = { name: workflow.name, ctx: applied?.ctx ?? {}, config: hooks.scope.config };
    return runInActivity(activity, async (): Promise<Awaited<T>> => await call({ workflow: info, workspace, providers, local: host, signal: hookSignal }));
  });
  if (!removing) keepStarted(project.store, workflow.name, workspace.name, since);
  return result;
}

/** Validates and records a resource a provider claimed for a workspace. */
export function claimResource(store: Store, workflow: string, workspace: string, provider: string, resource: WorkspaceResource): void {
  const where = `${provider}: workspace.claim()`;
  const problem = isPlainObject(resource) ? findNonJson(resource, where) : `${where} needs an object`;
  if (problem) throw new Error(problem);
  if (typeof resource.id !== "string" || resource.id === "" || typeof resource.kind !== "string" || resource.kind === "") {
    throw new Error(`${where}: a resource needs a non-empty string \`id\` and \`kind\``);
  }
  refuseSecrets(resource, where);
  store.recordResource(workflow, workspace, provider, resource);
}

