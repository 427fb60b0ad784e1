/**
 * `rig create ws2 --from ws1`: a new workspace holding a copy of ws1's current state, made
 * by the `fork` method of each provider that claimed resources for ws1 (a directory copy,
 * a container commit and a new container, a copy beside it on the same host). The new
 * workspace belongs to ws1's workflow and is independent of ws1 afterwards; no create
 * hook runs. Intent and resources are recorded as for any create.
 */
import { RigError, isRigError, messageOf } from "../../errors.ts";
import type { JsonObject } from "../../sdk/types.ts";
import { type WorkspaceInfo, type WorkspaceRow, workspaceInfo } from "../../state/store.ts";
import { accessAll } from "./access.ts";
import { checkWorkspaceName } from "./names.ts";
import type { Project } from "../project/project.ts";
import { redact } from "../../host/secrets.ts";
import { requireReady } from "./status.ts";
import { type HookOptions, claimResource, runHook } from "./lifecycle.ts";

export async function forkWorkspace(project: Project, source: WorkspaceRow, name: string, options: HookOptions = {}): Promise<WorkspaceInfo> {
  checkWorkspaceName(name);
  const { store } = project;
  const workflow = project.workflows.find((w) => w.name === source.workflow);
  if (!workflow?.workspace) {
    throw new RigError("CONFIG_ERROR", `Workspace ${source.name} belongs to workflow "${source.workflow}", which the config no longer defines`);
  }
  await requireReady(project, source);
  const providers = await accessAll(project, source);
  const unable = providers.filter((p) => typeof p.controller.fork !== "function").map((p) => p.decl.definition.id);
  if (providers.length === 0 || unable.length > 0) {
    throw new RigError("USAGE", `Workspace ${source.name} cannot be forked`, {
      detail: [
        providers.length === 0
          ? "No provider recorded resources for it; create a new workspace instead."
          : `Provider ${unable.join(", ")} cannot copy a live workspace; see docs/providers.md.`,
      ],
    });
  }
  if (!store.insertWorkspace(workflow.name, name)) {
    throw new RigError("WORKSPACE_EXISTS", `Workspace ${name} already exists in workflow ${workflow.name}`, {
      detail: [`Remove it first with \`rig rm ${name}\`, or pick another name.`],
    });
  }
  store.setFrom(workflow.name, name, source.name);
  const logId = store.logStart("create", workflow.name, name);
  const signal = options.signal ?? new AbortController().signal;
  let reported: JsonObject = {};
  const record = (partial: JsonObject) => {
    reported = { ...reported, ...partial };
    store.updateWorkspace(workflow.name, name, { ctx: reported });
  };
  try {
    let ctx = JSON.parse(source.ctx) as JsonObject;
    for (const { decl, controller, handle } of providers) {
      const made = await (controller.fork as NonNullable<typeof controller.fork>)(
        handle,
        { name, record, claim: (resource) => claimResource(store, workflow.name, name, decl.name, resource) },
        { signal, log: (line) => options.output?.(name, redact(line)) },
      );
      ctx = { ...ctx, ...made };
    }
    store.updateWorkspace(workflow.name, name, { status: "ready", ctx });
    store.logFinish(logId, "ok");
    return workspaceInfo(store.workspace(workflow.name, name) as WorkspaceRow);
  } catch (error) {
    // Undo what was made (through the workflow's remove hook, as a failed create does).
    const extra: string[] = [];
    const remove = workflow.workspace.remove;
    if (Object.keys(reported).length > 0 && remove) {
      const workspace = { name, ctx: reported, record: () => {}, claim: () => {} };
      await runHook(project, workflow, workspace, { ...options, signal: undefined }, (args) => remove(args), true).then(
        () => extra.push("What the fork had made was removed again."),
        (cleanup) => extra.push(`Cleanup failed too: ${redact(messageOf(cleanup))}`, `Left behind: ${JSON.stringify(reported)}`),
      );
    }
    store.deleteWorkspace(workflow.name, name);
    store.logFinish(logId, isRigError(error) && error.code === "INTERRUPTED" ? "cancelled" : "failed", { error: redact(messageOf(error)) });
    if (isRigError(error) && error.code === "INTERRUPTED") throw error;
    throw new RigError("HOOK_FAILED", `Forking ${source.name} into ${name} failed: ${redact(messageOf(error))}`, {
      detail: [...(isRigError(error) ? error.detail.map(redact) : []), ...extra],
      cause: error,
    });
  }
}
