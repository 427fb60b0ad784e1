/**
 * `gc` (rig gc): provider resources labelled with this project that no workspace owns,
 * interrupted creates and removes, resources no cached run uses, and expired leases —
 * found, then (unless `dryRun`, and once confirmed) dealt with. Looking only reads:
 * a dry run never waits for the lock.
 */
import { RigError, messageOf } from "../../errors.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { type Garbage, collectGarbage, findGarbage } from "../workspaces/gc.ts";
import { endLease, expiredWorkspaces, expiryAction } from "../workspaces/expiry.ts";
import { type CallOptions, type ProjectRef, callParts, hookOutputTo, lockProject, projectOf } from "./call.ts";

export interface GcInput {
  /** Only list what would be removed. */
  dryRun?: boolean;
  /** Confirmed already: without it, the prompter is asked, and without one the call fails. */
  yes?: boolean;
}

export interface GcReport {
  orphans: { provider: string; id: string }[];
  stale: { name: string; workflow: string; status: string }[];
  unused: { provider: string; id: string }[];
  expired: { name: string; workflow: string; expiresAt: string; action: "stop" | "remove" }[];
  /** Whether they were removed (false for a dry run or when there was nothing). */
  removed: boolean;
}

/** What gc found, for rendering; `gc` acts on it. */
export interface GcView {
  garbage: Garbage;
  expired: WorkspaceRow[];
  report: Omit<GcReport, "removed">;
  /** How many items there are in all. */
  count: number;
  /** Releases the project lock taken for a real run (collect calls it). */
  release(): void;
}

export async function gcView(ref: ProjectRef, input: GcInput, call: CallOptions = {}): Promise<GcView & { project: Awaited<ReturnType<typeof projectOf>> }> {
  const project = await projectOf(ref);
  const release = input.dryRun ? () => {} : await lockProject(project.store, call, "gc");
  let garbage: Garbage;
  let expired: WorkspaceRow[];
  try {
    garbage = await findGarbage(project);
    expired = expiredWorkspaces(project);
  } catch (error) {
    release();
    throw error;
  }
  const report = {
    orphans: garbage.orphans.map((o) => ({ provider: o.provider, id: o.id })),
    stale: garbage.stale.map((w) => ({ name: w.name, workflow: w.workflow, status: w.status })),
    unused: garbage.unused.map((o) => ({ provider: o.provider, id: o.id })),
    expired: expired.map((w) => ({ name: w.name, workflow: w.workflow, expiresAt: new Date(w.expires_at as number).toISOString(), action: expiryAction(w) })),
  };
  const count = garbage.orphans.length + garbage.unused.length + garbage.stale.length + expired.length;
  return { project, garbage, expired, report, count, release };
}

/**
 * Removes what `view` found. `ask` is shown to the prompter (the CLI lists the items
 * first); without `yes` and without a prompter the call fails asking for confirmation.
 */
export async function collect(view: Awaited<ReturnType<typeof gcView>>, input: GcInput, call: CallOptions = {}, beforeAsking?: () => void): Promise<GcReport> {
  try {
    return await collectFound(view, input, call, beforeAsking);
  } finally {
    view.release();
  }
}

async function collectFound(view: Awaited<ReturnType<typeof gcView>>, input: GcInput, call: CallOptions, beforeAsking?: () => void): Promise<GcReport> {
  const { project, garbage, expired, report, count } = view;
  if (count === 0 || input.dryRun) return { ...report, removed: false };
  const { signal, emit, prompter } = callParts(call);
  if (!input.yes) {
    if (!prompter) throw new RigError("CONFIRMATION_REQUIRED", `Removing ${count} orphaned item(s) needs confirmation: pass --yes`);
    beforeAsking?.();
    if (!(await prompter.confirm(`Remove these ${count}?`))) throw new RigError("INTERRUPTED", "Cancelled: nothing removed");
  }
  const failures = await collectGarbage(project, garbage);
  // Expired leases end through the workspaces' own hooks; one failing does not stop the others.
  for (const row of expired) {
    await endLease(project, row, { signal, output: hookOutputTo(emit, row.workflow) }).catch((error) => failures.push(`${row.name}: ${messageOf(error)}`));
  }
  if (failures.length > 0) {
    throw new RigError("PROVIDER_FAILED", `Could not collect ${failures.length} of ${count} items`, { detail: failures });
  }
  return { ...report, removed: true };
}

/** `rig gc`: `{"orphans","stale","unused","expired","removed"}`. */
export async function gc(ref: ProjectRef, input: GcInput = {}, call: CallOptions = {}): Promise<GcReport> {
  return collect(await gcView(ref, input, call), input, call);
}
