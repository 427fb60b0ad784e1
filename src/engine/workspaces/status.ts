/**
 * Live workspace status (README "Workspaces: access, forks and leases"). A record is a claim, not a fact: the status of a
 * workspace is what its record says rig was doing (`creating`, `removing`, and whether
 * that process still lives), its lease, and, for a workspace rig believes is there, what
 * its providers say of the resources they claimed for it — asked in one batched
 * `status()` call per provider, all providers in parallel, under a short time limit.
 */
import { RigError, isRigError, messageOf } from "../../errors.ts";
import { processGone } from "../../host/pids.ts";
import type { LiveStatus, ProviderController, WorkspaceHandle, WorkspaceResource } from "../../sdk/provider.ts";
import type { JsonObject } from "../../sdk/types.ts";
import type { ResourceRow, WorkspaceRow } from "../../state/store.ts";
import { declarations } from "../project/checks.ts";
import type { ProviderDecl } from "../graph/compile.ts";
import type { Project } from "../project/project.ts";

export type WorkspaceState = LiveStatus | "creating" | "removing" | "interrupted" | "expired";

/** How long `ls` waits for providers before calling a workspace `unreachable`. */
export const STATUS_TIMEOUT_MS = Number(process.env.RIGKIT_STATUS_TIMEOUT_MS) || 5000;

/** Worst first: a workspace is as good as its worst resource. */
const SEVERITY: LiveStatus[] = ["unreachable", "missing", "stopped", "ready"];

/** The provider declaration a resource was claimed under: the workflow's own, else any of that name. */
export function declFor(project: Pick<Project, "workflows">, workflow: string, provider: string): ProviderDecl | undefined {
  const own = project.workflows.find((w) => w.name === workflow);
  const scoped = own?.workspace?.scope.providers.find((d) => d.name === provider);
  return scoped ?? declarations(project.workflows).find((d) => d.name === provider);
}

/** What the record alone says, without asking any provider. */
export function recordedState(row: WorkspaceRow, now = Date.now()): WorkspaceState {
  if (row.status === "creating" || row.status === "removing") {
    // The process doing it is gone (on this machine): nobody will finish it but `rig gc`.
    return processGone(row.pid, row.host) ? "interrupted" : row.status;
  }
  // An expired lease whose end was "stop", once stopped, has been dealt with: it is stopped.
  if (row.expires_at !== null && row.expires_at <= now && !(row.on_expiry === "stop" && row.status === "stopped")) return "expired";
  return row.status;
}

const handle = (row: WorkspaceRow, resources: ResourceRow[]): WorkspaceHandle => ({
  workflow: row.workflow,
  name: row.name,
  ctx: JSON.parse(row.ctx) as JsonObject,
  resources: resources.map((r) => JSON.parse(r.data) as WorkspaceResource),
});

/**
 * The status of each workspace. With `live`, workspaces recorded `ready` or `stopped` are
 * checked with their providers; a provider that fails or does not answer in time makes
 * them `unreachable`. A workspace no provider claimed anything for keeps its record.
 */
export async function workspaceStates(project: Project, rows: WorkspaceRow[], options: { live: boolean }): Promise<Map<WorkspaceRow, WorkspaceState>> {
  const states = new Map<WorkspaceRow, WorkspaceState>(rows.map((row) => [row, recordedState(row)]));
  if (!options.live) return states;
  const checked = rows.filter((row) => states.get(row) === "ready" || states.get(row) === "stopped");
  // Group resources by provider declaration: one status() call each.
  const byDecl = new Map<ProviderDecl, { row: WorkspaceRow; handle: WorkspaceHandle }[]>();
  // One workspace (an operation's check): its own resources, not every workspace's.
  const [only] = checked;
  const all = checked.length === 1 && only ? project.store.resources(only.workflow, only.name) : project.store.resources();
  const since = project.store.resourcesSince();
  for (const row of checked) {
    const mine = all.filter((r) => r.workflow === row.workflow && r.workspace === row.name);
    // A workspace from before resources were recorded: every provider of its hooks is asked,
    // with no resources, and may answer from the context (the built-ins do).
    const legacy = mine.length === 0 && row.created_at < since ? (project.workflows.find((w) => w.name === row.workflow)?.workspace?.scope.providers ?? []).map((d) => d.name) : [];
    for (const provider of new Set([...mine.map((r) => r.provider), ...legacy])) {
      const decl = declFor(project, row.workflow, provider);
      if (!decl) continue;
      const list = byDecl.get(decl) ?? [];
      list.push({ row, handle: handle(row, mine.filter((r) => r.provider === provider)) });
      byDecl.set(decl, list);
    }
  }
  const answers = await Promise.all(
    [...byDecl].map(async ([decl, items]) => {
      // A provider that cannot even be set up (a missing env() value, …) cannot vouch for anything.
      const controller: ProviderController<unknown> | null = await project.registry.controller(decl).catch(() => null);
      if (!controller) return items.map((item) => [item.row, "unreachable"] as const);
      if (!controller.status) return items.map((item) => [item.row, "ready"] as const);
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), STATUS_TIMEOUT_MS);
      try {
        const timedOut = new Promise<null>((resolve) => abort.signal.addEventListener("abort", () => resolve(null), { once: true }));
        const result = await Promise.race([Promise.resolve(controller.status(items.map((i) => i.handle), { signal: abort.signal })), timedOut]);
        return items.map((item, i) => [item.row, result?.[i] ?? "unreachable"] as const);
      } catch {
        return items.map((item) => [item.row, "unreachable"] as const);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  for (const [row, live] of answers.flat()) {
    const current = states.get(row) as LiveStatus;
    // A stopped record stays stopped while its machines are there and not running.
    const next = SEVERITY.indexOf(live) < SEVERITY.indexOf(current) ? live : current;
    states.set(row, next);
  }
  return states;
}

/** Throws WORKSPACE_NOT_READY (exit 1) with the next step unless the workspace is ready now. */
export async function requireReady(project: Project, row: WorkspaceRow): Promise<void> {
  const state = (await workspaceStates(project, [row], { live: true })).get(row);
  if (state === "ready") return;
  const next: Record<string, string> = {
    stopped: `Start it with \`rig start ${row.name}\`.`,
    missing: `Its machines are gone; remove it with \`rig rm ${row.name}\` and create it again.`,
    unreachable: "Its engine or host does not answer; check `rig doctor`.",
    creating: "It is still being created; wait for that to finish.",
    removing: "It is being removed.",
    interrupted: `The rig that was working on it died; run \`rig gc\` to finish, or \`rig rm ${row.name}\`.`,
    expired: `Its lease ran out; \`rig renew ${row.name}\` to keep it, or \`rig rm ${row.name}\`.`,
  };
  throw new RigError("WORKSPACE_NOT_READY", `Workspace ${row.name} is not ready (${state})`, { detail: [next[state as string] ?? ""] });
}

/** The next turn of the event loop: what answers from this machine alone has answered by then. */
const nextTurn = () => new Promise<undefined>((resolve) => setImmediate(resolve));

/**
 * The live readiness check of a workspace, for work that need not wait for it (README "Workspaces: access, forks and leases":
 * an operation, forward or code on a workspace that is not ready fails at once). Asking
 * Docker or an ssh host costs a round trip as long as the work's own, so the work starts
 * at once and the caller fails with the verdict (WORKSPACE_NOT_READY) if it is not null,
 * whatever the work did or threw: an operation is aborted through its signal
 * (engine/operations/run.ts). The work never starts when the answer is known here: the record
 * already says not ready (the live check then only names the reason), or the check
 * answered from this machine alone (the local provider's directory check) within this
 * turn of the event loop: then this throws. By then the providers have been asked, so a
 * provider's check can ride on the work's first command (the ssh provider's does).
 */
export async function checkAlongside(project: Project, row: WorkspaceRow): Promise<{ verdict: Promise<RigError | null> }> {
  const verdict = requireReady(project, row).then(
    () => null,
    (error: unknown) => (isRigError(error) ? error : new RigError("WORKSPACE_NOT_READY", messageOf(error))),
  );
  const early = recordedState(row) === "ready" ? await Promise.race([verdict, nextTurn()]) : await verdict;
  if (early) throw early;
  return { verdict };
}
