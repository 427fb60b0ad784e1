/**
 * Workspaces: created from a workflow's final context by its `create` hook, removed by
 * its `remove` hook. Intent is recorded before the hook runs and resource ids as soon as
 * the hook reports them (`workspace.record`), so nothing is created unrecorded.
 */
import { KEPT_CODES, RigError, isRigError, messageOf } from "../../errors.ts";
import { thrownBy } from "../thrown.ts";
import { didYouMean } from "../../suggest.ts";
import { terminalPrompter } from "../../host/prompter.ts";
import type { JsonObject, PromptApi } from "../../sdk/types.ts";
import { type WorkspaceInfo, type WorkspaceRow, workspaceInfo } from "../../state/store.ts";
import type { EngineWorkspace } from "../project/providers.ts";
import { fault } from "../fault.ts";
import type { CompiledWorkflow } from "../graph/compile.ts";
import { findNonJson, isPlainObject } from "../json.ts";
import { checkWorkspaceName } from "./names.ts";
import type { Project } from "../project/project.ts";
import { redact, refuseSecrets } from "../../host/secrets.ts";
import { prepareFork } from "./fork.ts";
import { type HookOptions, claimResource, hooksOf, runHook, stopWorkspaceProcesses } from "./hooks.ts";

export type { WorkspaceInfo };

function hookError(what: string, workspace: string, error: unknown, extra: string[] = []): RigError {
  if (isRigError(error) && error.code === "INTERRUPTED") return error;
  // A time limit or an unavailable provider keeps its code (README "Scripting").
  const code = isRigError(error) && KEPT_CODES.includes(error.code) ? error.code : "HOOK_FAILED";
  const thrown = isRigError(error) ? { message: error.message, where: [] as string[] } : thrownBy(error);
  return new RigError(code, `${what}: ${redact(thrown.message)}`, {
    detail: [...(isRigError(error) ? error.detail.map(redact) : []), ...thrown.where.map(redact), ...extra],
    cause: error,
    workspace,
  });
}

/**
 * Creates one workspace; the workflow must have been applied. With `from`, the new
 * workspace is a copy of that live workspace, made by its providers' `fork` methods
 * (src/engine/workspaces/fork.ts) instead of the create hook. Both take the same path: intent
 * recorded (the name claimed atomically), resources recorded as reported, the result
 * checked, and on failure what was made removed again and the record forgotten.
 */
export async function createWorkspace(
  project: Project,
  workflow: CompiledWorkflow,
  name: string,
  options: HookOptions = {},
  from: WorkspaceRow | null = null,
): Promise<WorkspaceInfo> {
  checkWorkspaceName(name);
  const hooks = hooksOf(workflow);
  const { store } = project;
  // A fork checks its source (live, and every provider able to copy it) before claiming the name.
  const forking = from ? await prepareFork(project, from) : null;
  if (!store.insertWorkspace(workflow.name, name)) {
    throw new RigError("WORKSPACE_EXISTS", `Workspace ${name} already exists in workflow ${workflow.name}`, {
      detail: [`Remove it first with \`rig rm ${name}\`, or pick another name.`],
      workspace: name,
    });
  }
  if (from) store.setFrom(workflow.name, name, from.name);
  const logId = store.logStart("create", workflow.name, name);
  fault("create:intent-recorded");
  let reported: JsonObject = {};
  const workspace: EngineWorkspace = {
    name,
    get ctx() {
      return reported;
    },
    record(partial: JsonObject) {
      const problem = isPlainObject(partial) ? findNonJson(partial, "workspace.record()") : "workspace.record() needs an object";
      if (problem) throw new Error(problem);
      refuseSecrets(partial, "workspace.record()");
      reported = { ...reported, ...structuredClone(partial) };
      store.updateWorkspace(workflow.name, name, { ctx: reported });
      fault("create:resource-recorded");
    },
    claim(provider, resource) {
      claimResource(store, workflow.name, name, provider, resource);
      fault("create:resource-recorded");
    },
  };
  try {
    const created = forking
      ? await forking.into(workspace, options)
      : await runHook(project, workflow, workspace, options, (args) => hooks.create(args));
    const problem = isPlainObject(created) ? findNonJson(created, "workspace ctx") : "create must return a JSON object";
    if (problem) throw new Error(`the create hook's result is not usable: ${problem}`);
    refuseSecrets(created, "the create hook's result");
    fault("create:hook-returned");
    store.updateWorkspace(workflow.name, name, { status: "ready", ctx: created as JsonObject });
    fault("create:ready");
    store.logFinish(logId, "ok");
    return workspaceInfo(store.workspace(workflow.name, name) as WorkspaceRow);
  } catch (error) {
    // Undo what the hook (or the fork) reported before failing, then forget the workspace.
    const extra: string[] = [];
    if (Object.keys(reported).length > 0 && hooks.remove) {
      try {
        await runHook(project, workflow, { ...workspace, ctx: reported }, { ...options, signal: undefined }, (args) => hooks.remove?.(args), true);
        extra.push(`What the ${from ? "fork" : "create hook"} had made was removed again.`);
      } catch (cleanup) {
        extra.push(`Cleanup failed too: ${redact(messageOf(cleanup))}`, `Left behind: ${JSON.stringify(reported)}`);
      }
    }
    store.deleteWorkspace(workflow.name, name);
    store.logFinish(logId, isRigError(error) && error.code === "INTERRUPTED" ? "cancelled" : "failed", { error: redact(messageOf(error)) });
    throw hookError(from ? `Forking ${from.name} into ${name} failed` : `Creating workspace ${name} failed`, name, error, extra);
  }
}

/**
 * Calls the remove hook, then deletes the record. A failing hook keeps the record for a
 * retry, unless `force`: then the record goes and the failure is returned as a warning.
 */
export async function removeWorkspace(project: Project, workflow: CompiledWorkflow, row: WorkspaceRow, options: HookOptions = {}): Promise<string | null> {
  const hooks = hooksOf(workflow);
  const { store } = project;
  const logId = store.logStart("remove", workflow.name, row.name);
  store.updateWorkspace(workflow.name, row.name, { status: "removing" });
  fault("rm:removing-recorded");
  const ctx = JSON.parse(row.ctx) as JsonObject;
  try {
    await stopWorkspaceProcesses(store, workflow.name, row.name);
    if (hooks.remove) {
      const remove = hooks.remove;
      const workspace: EngineWorkspace = {
        name: row.name,
        ctx,
        record: () => {},
        claim: (provider, resource) => claimResource(store, workflow.name, row.name, provider, resource),
      };
      await runHook(project, workflow, workspace, options, (args) => remove(args), true);
    }
    fault("rm:hook-returned");
  } catch (error) {
    store.logFinish(logId, "failed", { error: redact(messageOf(error)), forced: options.force === true });
    if (!options.force || (isRigError(error) && error.code === "INTERRUPTED")) {
      throw hookError(`Removing workspace ${row.name} failed`, row.name, error, [
        `The record is kept; run \`rig rm ${row.name}\` again once fixed, or add --force to forget it anyway.`,
      ]);
    }
    store.deleteWorkspace(workflow.name, row.name);
    return `${row.name}: the remove hook failed (${redact(messageOf(error))}); forgotten anyway, its resources may remain: ${row.ctx}`;
  }
  store.deleteWorkspace(workflow.name, row.name);
  store.logFinish(logId, "ok");
  return null;
}

/** Finds a workspace by name, asking or erroring when several workflows have one. */
export function findWorkspaces(project: Pick<Project, "store">, name: string, workflow?: string): WorkspaceRow[] {
  checkWorkspaceName(name);
  const rows = project.store.workspacesNamed(name).filter((r) => workflow === undefined || r.workflow === workflow);
  if (rows.length === 0) {
    const all = project.store.workspaces().map((r) => r.name);
    throw new RigError("UNKNOWN_WORKSPACE", `Unknown workspace ${name}${workflow ? ` in workflow ${workflow}` : ""}`, {
      detail: [
        ...didYouMean(name, all),
        all.length ? `Workspaces: ${[...new Set(all)].join(", ")}` : "There are no workspaces yet; create one with `rig create <name>`.",
      ],
    });
  }
  return rows;
}

/** The one workspace called `name`; several workflows having one needs --workflow (or the user's choice). */
export async function resolveWorkspace(
  project: Pick<Project, "store">,
  name: string,
  workflow?: string,
  prompter: PromptApi | null = terminalPrompter(),
): Promise<WorkspaceRow> {
  const rows = findWorkspaces(project, name, workflow);
  if (rows.length === 1) return rows[0] as WorkspaceRow;
  const choices = rows.map((r) => r.workflow);
  if (prompter) {
    const chosen = await prompter.select(`Workspace ${name} exists in several workflows. Which one?`, choices);
    return rows.find((r) => r.workflow === chosen) as WorkspaceRow;
  }
  throw new RigError("USAGE", `Workspace ${name} exists in several workflows; pass --workflow <name>`, {
    detail: [`Workflows: ${choices.join(", ")}`],
  });
}
