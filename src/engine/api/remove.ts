/**
 * `removeWorkspaces` (rig rm): each workspace through its remove hook; one whose workflow
 * the config no longer defines, with `force`, by destroying what its providers recorded.
 * Goes on past a failing workspace, reports each, and fails if any failed.
 */
import { RigError, messageOf } from "../../errors.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { destroyWorkspace } from "../workspaces/destroy.ts";
import { configName } from "../project/project.ts";
import { removeWorkspace, resolveWorkspace } from "../workspaces/lifecycle.ts";
import { type CallOptions, type ProjectRef, callParts, hookOutputTo, projectOf, waitForOperations, withLock } from "./call.ts";

export interface RemoveInput {
  names?: string[];
  /** Every workspace (of `workflow`, if given). */
  all?: boolean;
  /** Confirmed already: without it, the prompter is asked, and without one the call fails. */
  yes?: boolean;
  /** Stop running operations, and forget a workspace even when its remove hook fails. */
  force?: boolean;
  workflow?: string;
}

export interface RemoveResult {
  removed: string[];
}

export async function removeWorkspaces(ref: ProjectRef, input: RemoveInput, call: CallOptions = {}): Promise<RemoveResult> {
  const names = input.names ?? [];
  if (input.all && names.length > 0) throw new RigError("USAGE", "Pass workspace names or --all, not both");
  if (!input.all && names.length === 0) throw new RigError("USAGE", "Name the workspaces to remove, or pass --all");
  const { signal, emit, prompter } = callParts(call);

  const project = await projectOf(ref);
  const known = new Set([...project.workflows.map((w) => w.name), ...project.store.knownWorkflows()]);
  if (input.workflow !== undefined && !known.has(input.workflow)) {
    throw new RigError("UNKNOWN_WORKFLOW", `Unknown workflow "${input.workflow}"`, { detail: [`Workflows: ${project.workflows.map((w) => w.name).join(", ")}`] });
  }
  const targets: WorkspaceRow[] = input.all ? project.store.workspaces().filter((w) => input.workflow === undefined || w.workflow === input.workflow) : [];
  for (const name of [...new Set(names)]) targets.push(await resolveWorkspace(project, name, input.workflow, prompter));
  if (targets.length === 0) return { removed: [] };

  const gone = (row: WorkspaceRow) => !project.workflows.some((w) => w.name === row.workflow);
  const orphanError = (row: WorkspaceRow) =>
    new RigError("CONFIG_ERROR", `Workspace ${row.name} belongs to workflow "${row.workflow}", which the config no longer defines`, {
      detail: [`Restore the workflow in ${configName(project)} so its remove hook runs, or \`rig rm ${row.name} --force\` to destroy what its providers recorded and forget it.`],
      workspace: row.name,
    });
  // Named on its own, such a workspace fails before anything is asked or changed.
  if (!input.force && !input.all && targets.length === 1 && gone(targets[0] as WorkspaceRow)) throw orphanError(targets[0] as WorkspaceRow);
  if (!input.yes) {
    const list = targets.map((t) => t.name).join(", ");
    if (!prompter) throw new RigError("CONFIRMATION_REQUIRED", `Removing ${list} needs confirmation: pass --yes`);
    if (!(await prompter.confirm(`Remove ${targets.length === 1 ? "workspace" : `${targets.length} workspaces`} ${list}?`))) {
      throw new RigError("INTERRUPTED", "Cancelled: nothing removed");
    }
  }
  const settled = await withLock(project.store, call, `rm ${targets.map((t) => t.name).join(" ")}`, async () => {
    // Running operations hold a shared lease on their workspace: wait for them, or stop them with force.
    for (const row of targets) await waitForOperations(project.store, call, row, input.force);
    return Promise.allSettled(
      targets.map(async (row) => {
        const workflow = project.workflows.find((w) => w.name === row.workflow);
        if (!workflow) {
          if (!input.force) throw orphanError(row);
          await destroyWorkspace(project, row);
          return null;
        }
        return removeWorkspace(project, workflow, row, { signal, output: hookOutputTo(emit, row.workflow), force: input.force });
      }),
    );
  });
  const removed = targets.filter((_, i) => settled[i]?.status === "fulfilled");
  for (const row of removed) emit({ type: "workspace.removed", workflow: row.workflow, name: row.name });
  for (const s of settled) if (s.status === "fulfilled" && s.value) emit({ type: "notice", level: "warning", message: s.value });
  const failed = targets.flatMap((row, i) => {
    const s = settled[i];
    return s?.status === "rejected" ? [{ row, error: s.reason as unknown }] : [];
  });
  const interrupted = failed.find((f) => f.error instanceof RigError && f.error.code === "INTERRUPTED");
  if (interrupted) throw interrupted.error;
  if (failed.length === 1 && targets.length === 1) throw failed[0]?.error;
  if (failed.length > 0) {
    for (const row of removed) emit({ type: "notice", level: "success", message: `Removed ${row.name}` });
    throw new RigError("HOOK_FAILED", `Could not remove ${failed.length} of ${targets.length} workspaces: ${failed.map((f) => f.row.name).join(", ")}`, {
      detail: [
        ...failed.map(({ row, error }) => `${row.name}: ${messageOf(error)}${error instanceof RigError && error.detail.length ? ` (${error.detail.join(" ")})` : ""}`),
        ...(removed.length ? [`Removed: ${removed.map((r) => r.name).join(", ")}`] : []),
      ],
    });
  }
  return { removed: removed.map((r) => r.name) };
}
