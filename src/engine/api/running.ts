/**
 * `stop`, `start` and `renew` of workspaces: one after another, under the project lock.
 * Stopping waits for operations running on the workspace (their leases), or stops them
 * with `force`, and ends processes its hooks and operations left running on purpose.
 */
import { RigError } from "../../errors.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { setRunning } from "../workspaces/access.ts";
import { stopWorkspaceProcesses } from "../workspaces/hooks.ts";
import { renewLease } from "../workspaces/expiry.ts";
import { parseTtl } from "../options.ts";
import type { Project } from "../project/project.ts";
import { resolveWorkspace } from "../workspaces/lifecycle.ts";
import { type CallOptions, type ProjectRef, callParts, hookOutputTo, projectOf, waitForOperations, withLock } from "./call.ts";

export interface WorkspacesInput {
  names: string[];
  workflow?: string;
}

async function rowsOf(project: Project, input: WorkspacesInput, call: CallOptions): Promise<WorkspaceRow[]> {
  const rows: WorkspaceRow[] = [];
  for (const name of [...new Set(input.names)]) rows.push(await resolveWorkspace(project, name, input.workflow, callParts(call).prompter));
  return rows;
}

async function stopOrStart(ref: ProjectRef, which: "stop" | "start", input: WorkspacesInput & { force?: boolean }, call: CallOptions): Promise<string[]> {
  const project = await projectOf(ref);
  const { signal, emit } = callParts(call);
  const rows = await rowsOf(project, input, call);
  return withLock(project.store, call, `${which} ${rows.map((r) => r.name).join(" ")}`, async () => {
    const done: string[] = [];
    for (const row of rows) {
      // Read again under the lock: another rig may have changed it meanwhile.
      const current = project.store.workspace(row.workflow, row.name) ?? row;
      if (which === "stop") await waitForOperations(project.store, call, row, input.force);
      await setRunning(project, current, which, { signal, output: hookOutputTo(emit, row.workflow) });
      if (which === "stop") await stopWorkspaceProcesses(project.store, row.workflow, row.name);
      emit({ type: "workspace.status", workflow: row.workflow, name: row.name, status: which === "stop" ? "stopped" : "ready" });
      done.push(row.name);
    }
    return done;
  });
}

/** `rig stop`: `{"stopped":[name…]}`. */
export async function stop(ref: ProjectRef, input: WorkspacesInput & { force?: boolean }, call: CallOptions = {}): Promise<{ stopped: string[] }> {
  return { stopped: await stopOrStart(ref, "stop", input, call) };
}

/** `rig start`: `{"started":[name…]}`. */
export async function start(ref: ProjectRef, input: WorkspacesInput, call: CallOptions = {}): Promise<{ started: string[] }> {
  return { started: await stopOrStart(ref, "start", input, call) };
}

export interface RenewResult {
  workspaces: { name: string; workflow: string; expiresAt: string }[];
}

/** `rig renew`: each lease runs `ttl` (default: the workflow's ttl) from now. */
export async function renew(ref: ProjectRef, input: WorkspacesInput & { ttl?: string | number }, call: CallOptions = {}): Promise<RenewResult> {
  const ttlFlag = input.ttl === undefined ? undefined : parseTtl(input.ttl);
  const project = await projectOf(ref);
  const rows = await rowsOf(project, input, call);
  const ttls = rows.map((row) => {
    const ttl = ttlFlag ?? project.workflows.find((w) => w.name === row.workflow)?.workspace?.ttlMs ?? null;
    if (ttl === null) {
      throw new RigError("USAGE", `rig renew ${row.name}: how long? pass --ttl <duration>`, {
        detail: [`Workflow ${row.workflow} sets no default lease (.workspace({ ttl }).`],
      });
    }
    return ttl;
  });
  const renewed = await withLock(project.store, call, `renew ${rows.map((r) => r.name).join(" ")}`, async () =>
    rows.map((row, i) => renewLease(project, project.store.workspace(row.workflow, row.name) ?? row, ttls[i] as number)),
  );
  return {
    workspaces: renewed.map((row) => ({ name: row.name, workflow: row.workflow, expiresAt: new Date(row.expires_at as number).toISOString() })),
  };
}
