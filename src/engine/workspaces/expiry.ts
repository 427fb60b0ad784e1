/**
 * Leases (README "Workspaces: access, forks and leases"): a workspace created with `--ttl` (or a workflow's `ttl`) records when
 * it expires; `rig gc` then stops or removes it through its hooks. rig runs no daemon:
 * `rig gc --yes` from cron or a systemd timer is what ends leases on time.
 */
import { RigError } from "../../errors.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { setRunning } from "./access.ts";
import type { Project } from "../project/project.ts";
import { recordedState } from "./status.ts";
import type { HookOptions } from "./hooks.ts";
import { removeWorkspace } from "./lifecycle.ts";

/** Workspaces whose lease ran out and that still need stopping or removing. */
export function expiredWorkspaces(project: Pick<Project, "store">, now = Date.now()): WorkspaceRow[] {
  return project.store
    .workspaces()
    .filter((row) => recordedState(row, now) === "expired" && !(row.on_expiry === "stop" && row.status === "stopped"));
}

export const expiryAction = (row: WorkspaceRow): "stop" | "remove" => row.on_expiry ?? "remove";

/** Stops or removes one expired workspace through its hooks. */
export async function endLease(project: Project, row: WorkspaceRow, options: HookOptions = {}): Promise<void> {
  const workflow = project.workflows.find((w) => w.name === row.workflow);
  if (!workflow) {
    throw new RigError("CONFIG_ERROR", `Workspace ${row.name} belongs to workflow "${row.workflow}", which the config no longer defines`, {
      detail: [`Remove it with \`rig rm --force ${row.name}\`.`],
    });
  }
  if (expiryAction(row) === "stop") await setRunning(project, row, "stop", options);
  else {
    const warning = await removeWorkspace(project, workflow, row, options);
    if (warning) throw new RigError("HOOK_FAILED", warning);
  }
}

/** `rig renew`: the lease runs `ttlMs` from now (keeping what happens at its end). */
export function renewLease(project: Pick<Project, "store">, row: WorkspaceRow, ttlMs: number, now = Date.now()): WorkspaceRow {
  project.store.setLease(row.workflow, row.name, now + ttlMs, row.on_expiry ?? "remove");
  return project.store.workspace(row.workflow, row.name) as WorkspaceRow;
}
