/** Text renderings of command results (the --json shapes are the results themselves). */
import { formatDuration } from "../engine/duration.ts";
import type { Manifest } from "../engine/project/manifest.ts";
import { operationSummary } from "./argv.ts";
import type { PlanResult } from "../engine/graph/plan.ts";
import type { WorkspaceInfo } from "../engine/workspaces/lifecycle.ts";
import type { OplogRow, WorkspaceRow } from "../state/store.ts";
import { ago, out, table } from "./ui.ts";

export function renderPlan(plan: PlanResult): string {
  const c = out.colors;
  const pending = plan.nodeCount - plan.cachedCount;
  const head = `${c.bold(plan.workflow)}: ${plural(plan.nodeCount, "task")}, ${plan.cachedCount} cached, ${pending} pending`;
  // The layout of `table`, line by line: a plan can list 10,000 tasks, and the generic
  // table (cells, ANSI stripping to measure them) cost more than the rest of the plan.
  let width = 0;
  for (const n of plan.nodes) width = Math.max(width, n.path.length);
  const [cachedMark, cachedWord] = [`  ${c.green("✓")}  `, `  ${c.dim("cached")}`];
  const [pendingMark, pendingWord] = [`  ${c.yellow("•")}  `, `  ${c.yellow("pending")}  `];
  const lines = plan.nodes.map((n) =>
    n.status === "cached"
      ? cachedMark + n.path.padEnd(width) + cachedWord
      : (pendingMark + n.path.padEnd(width) + pendingWord + c.dim(n.reason ?? "")).trimEnd(),
  );
  const tail =
    pending === 0
      ? c.dim("Everything is cached: `rig apply` has nothing to run.")
      : `Run ${c.bold("rig apply")} to run ${pending} pending task${pending === 1 ? "" : "s"}.`;
  return [head, "", lines.join("\n"), "", tail].join("\n");
}

export function renderApply(result: { workflow: string; ran: string[]; cached: string[] }, ms: number): string {
  const c = out.colors;
  return `${c.green("✓")} Applied ${c.bold(result.workflow)}: ran ${result.ran.length}, cached ${result.cached.length} ${c.dim(`(${formatDuration(ms)})`)}`;
}

export function renderCreated(workspaces: WorkspaceInfo[], ms: number): string {
  const c = out.colors;
  const lines = workspaces.map((w) => `${c.green("✓")} Created ${c.bold(w.name)} ${c.dim(`(${w.workflow})`)}`);
  const first = workspaces[0];
  if (first) lines.push(c.dim(`Took ${formatDuration(ms)}. Next: rig shell ${first.name}, rig exec ${first.name} -- <command>, rig ${first.name} (its operations), rig rm ${first.name}`));
  return lines.join("\n");
}

/** When a duration from now: "3h", "25m", "40s". */
function until(ms: number): string {
  if (ms >= 86_400_000 * 1.5) return `${Math.round(ms / 86_400_000)}d`;
  if (ms >= 3_600_000 * 1.5) return `${Math.round(ms / 3_600_000)}h`;
  if (ms >= 60_000 * 1.5) return `${Math.round(ms / 60_000)}m`;
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

/** `ls` notes on leases and forks: "expires in 3h", "expired", "from ws1". */
export function lifecycleNotes(row: Pick<WorkspaceRow, "expires_at" | "from_workspace">, now = Date.now()): string[] {
  const notes: string[] = [];
  if (row.expires_at !== null) notes.push(row.expires_at <= now ? "expired" : `expires in ${until(row.expires_at - now)}`);
  if (row.from_workspace !== null) notes.push(`from ${row.from_workspace}`);
  return notes;
}

export function renderWorkspaces(rows: WorkspaceRow[], appliedAt: (workflow: string) => number | null, status: (row: WorkspaceRow) => string = (row) => row.status): string {
  const c = out.colors;
  if (rows.length === 0) return `No workspaces. Create one with ${c.bold("rig create <name>")}.`;
  const byWorkflow = new Map<string, WorkspaceRow[]>();
  for (const row of rows) byWorkflow.set(row.workflow, [...(byWorkflow.get(row.workflow) ?? []), row]);
  const blocks: string[] = [];
  for (const [workflow, list] of byWorkflow) {
    const applied = appliedAt(workflow);
    blocks.push(`${c.bold(workflow)} ${c.dim(applied ? `applied ${ago(applied)}` : "never applied")}`);
    blocks.push(
      table(
        list.map((w) => [
          w.name,
          status(w) === "ready" ? c.green(status(w)) : status(w) === "missing" || status(w) === "unreachable" || status(w) === "interrupted" ? c.red(status(w)) : c.yellow(status(w)),
          c.dim([`created ${ago(w.created_at)}`, ...lifecycleNotes(w)].join(", ")),
        ]),
      ),
    );
  }
  return blocks.join("\n");
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `rig ls config`: each workflow's tasks and operations, from the manifest. */
export function renderConfig(workflows: Manifest["workflows"]): string {
  const c = out.colors;
  return workflows
    .map((w) => {
      const ops = [
        ...w.workspaceOperations.map((o) => [`<ws>/${o.id}`, c.dim(operationSummary(o))]),
        ...w.operations.map((o) => [o.id, c.dim(operationSummary(o))]),
      ];
      return [
        `${c.bold(w.name)} ${c.dim(`${plural(w.tasks.length, "task")}, ${plural(ops.length, "operation")}`)}`,
        `  tasks: ${w.tasks.join(", ") || "none"}`,
        ...(ops.length ? [table(ops, "  ")] : []),
      ].join("\n");
    })
    .join("\n\n");
}

export function renderLog(rows: OplogRow[]): string {
  const c = out.colors;
  if (rows.length === 0) return "Nothing has happened in this project yet.";
  const colour = (status: string) => (status === "ok" ? c.green(status) : status === "running" ? c.cyan(status) : c.red(status));
  return table(
    rows.map((r) => [
      c.dim(new Date(r.started_at).toISOString().replace("T", " ").slice(0, 19)),
      r.kind,
      [r.workflow, r.target].filter(Boolean).join(" "),
      colour(r.status),
      c.dim(r.duration_ms === null ? "" : formatDuration(r.duration_ms)),
    ]),
    "",
  );
}
