/**
 * Built-in access to a workspace (README "Workspaces: access, forks and leases"): `exec`, `shell`, `stop`/`start`, `forward`
 * and `code` call the optional controller methods of the providers that claimed
 * resources for the workspace, with a handle of what each one recorded.
 */
import { RigError } from "../../errors.ts";
import type { EditorTarget, ForwardTarget, ProviderController, WorkspaceExecResult, WorkspaceHandle, WorkspaceResource } from "../../sdk/provider.ts";
import type { JsonObject } from "../../sdk/types.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import type { ProviderDecl } from "../graph/compile.ts";
import type { Project } from "../project/project.ts";
import { checkAlongside, declFor, recordedState, requireReady } from "./status.ts";
import { type HookOptions, claimResource, runHook } from "./hooks.ts";

type Method = "exec" | "shell" | "stop" | "start" | "forward" | "fork" | "editor" | "exportFiles";

export interface Access {
  decl: ProviderDecl;
  controller: ProviderController<unknown>;
  handle: WorkspaceHandle;
}

/** Every provider that claimed resources for the workspace, with its controller and handle. */
export async function accessAll(project: Project, row: WorkspaceRow): Promise<Access[]> {
  const mine = project.store.resources(row.workflow, row.name);
  const found: Access[] = [];
  for (const provider of new Set(mine.map((r) => r.provider))) {
    const decl = declFor(project, row.workflow, provider);
    if (!decl) continue;
    const handle: WorkspaceHandle = {
      workflow: row.workflow,
      name: row.name,
      ctx: JSON.parse(row.ctx) as JsonObject,
      resources: mine.filter((r) => r.provider === provider).map((r) => JSON.parse(r.data) as WorkspaceResource),
    };
    found.push({ decl, controller: await project.registry.controller(decl), handle });
  }
  return found;
}

/** The first provider of the workspace with `method`, or a usage error saying none has it. */
export async function accessFor(project: Project, row: WorkspaceRow, method: Method, what: string): Promise<Access> {
  const all = await accessAll(project, row);
  const found = all.find((a) => typeof a.controller[method] === "function");
  if (found) return found;
  const providers = all.map((a) => a.decl.definition.id);
  throw new RigError("USAGE", `Workspace ${row.name} cannot ${what}`, {
    detail: [
      providers.length === 0
        ? "No provider recorded resources for it (its hooks made it without a provider's createWorkspace, or it predates resource records); add a workspace operation instead."
        : `Its provider${providers.length > 1 ? "s" : ""} (${providers.join(", ")}) ${providers.length > 1 ? "do" : "does"} not support it; see docs/providers.md.`,
    ],
  });
}

/**
 * `rig exec`: runs straight away when the record says `ready`, and asks the providers for
 * the live status only when the command fails, so a ready workspace costs no extra engine
 * or host round trip (a stopped container or a missing directory makes the command fail).
 */
export async function execIn(project: Project, row: WorkspaceRow, argv: string[], options: { capture: boolean; signal: AbortSignal }): Promise<WorkspaceExecResult> {
  if (recordedState(row) !== "ready") await requireReady(project, row);
  const { controller, handle } = await accessFor(project, row, "exec", "run commands (exec)");
  const result = await (controller.exec as NonNullable<typeof controller.exec>)(handle, argv, options);
  if (result.exitCode !== 0) await requireReady(project, row);
  return result;
}

/** `rig shell` (the command checks readiness and the terminal first). */
export async function shellIn(project: Project, row: WorkspaceRow, signal: AbortSignal): Promise<number> {
  const { controller, handle } = await accessFor(project, row, "shell", "open a shell");
  return (controller.shell as NonNullable<typeof controller.shell>)(handle, { signal });
}

/** `work` alongside the workspace's readiness check (see checkAlongside): not ready wins over its outcome. */
async function whenReady<T>(project: Project, row: WorkspaceRow, work: () => Promise<T>): Promise<T> {
  const { verdict } = await checkAlongside(project, row);
  const outcome = work().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const [notReady, done] = await Promise.all([verdict, outcome]);
  if (notReady) throw notReady;
  if ("error" in done) throw done.error;
  return done.value;
}

export async function forwardTargets(project: Project, row: WorkspaceRow, ports: number[]): Promise<ForwardTarget[]> {
  return whenReady(project, row, async () => {
    const { controller, handle } = await accessFor(project, row, "forward", "forward ports");
    return Promise.all(ports.map((port) => (controller.forward as NonNullable<typeof controller.forward>)(handle, port)));
  });
}

export async function editorTarget(project: Project, row: WorkspaceRow): Promise<EditorTarget> {
  return whenReady(project, row, async () => {
    const { controller, handle } = await accessFor(project, row, "editor", "be opened in an editor");
    return (controller.editor as NonNullable<typeof controller.editor>)(handle);
  });
}

/** Runs the workflow's `start`/`stop` hook for a workspace, if it has one. */
async function lifecycleHook(project: Project, row: WorkspaceRow, which: "start" | "stop", options: HookOptions): Promise<boolean> {
  const workflow = project.workflows.find((w) => w.name === row.workflow);
  const hook = workflow?.workspace?.[which];
  if (!workflow || !hook) return false;
  const ctx = JSON.parse(row.ctx) as JsonObject;
  const workspace = {
    name: row.name,
    ctx,
    record: () => {},
    claim: (provider: string, resource: WorkspaceResource) => claimResource(project.store, row.workflow, row.name, provider, resource),
  };
  await runHook(project, workflow, workspace, options, (args) => hook(args));
  return true;
}

/**
 * `rig stop`/`rig start`: the provider's machines and the workflow's hooks (stop: the
 * hook first, while the machines still run; start: the machines first). A workspace whose
 * providers have nothing to stop and whose workflow has no hook is a usage error.
 */
export async function setRunning(project: Project, row: WorkspaceRow, which: "start" | "stop", options: HookOptions = {}): Promise<void> {
  const signal = options.signal ?? new AbortController().signal;
  const all = await accessAll(project, row);
  const machines = all.filter((a) => typeof a.controller[which] === "function");
  const workflow = project.workflows.find((w) => w.name === row.workflow);
  const nothing = () => {
    const providers = [...new Set(all.map((a) => a.decl.definition.id))];
    return new RigError("USAGE", `Workspace ${row.name} has nothing to ${which}`, {
      detail: [
        `${providers.length ? `Its provider (${providers.join(", ")}) keeps` : "It keeps"} no running machines; only Docker containers (and local overlay mounts) stop and start.`,
        `Add .workspace({ ${which} }) to the workflow to run something of your own.`,
      ],
    });
  };
  const hook = Boolean(workflow?.workspace?.[which]);
  if (machines.length === 0 && !hook) throw nothing();
  const state = recordedState(row);
  if (state !== "ready" && state !== "stopped" && state !== "expired") await requireReady(project, row);
  // A provider's stop/start may answer false: nothing to do for this workspace.
  const run = async (access: Access) =>
    (await (access.controller[which] as (h: WorkspaceHandle, o: { signal: AbortSignal }) => Promise<boolean | undefined>)(access.handle, { signal })) !== false;
  if (which === "stop") {
    await lifecycleHook(project, row, "stop", options);
    const did = await Promise.all(machines.map(run));
    if (!hook && !did.includes(true)) throw nothing();
    project.store.updateWorkspace(row.workflow, row.name, { status: "stopped" });
  } else {
    const did: boolean[] = [];
    for (const access of machines) did.push(await run(access));
    if (!hook && !did.includes(true)) throw nothing();
    await lifecycleHook(project, row, "start", options);
    project.store.updateWorkspace(row.workflow, row.name, { status: "ready" });
  }
}
