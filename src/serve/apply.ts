/**
 * An apply started through the API (`POST /runs {kind:"apply"}`), run in the server's
 * process so every task's start, output and end reach the event stream as they happen.
 */
import { apply } from "../engine/apply.ts";
import { plan } from "../engine/plan.ts";
import { type ProjectOptions, openProject, selectWorkflow } from "../engine/project.ts";
import { acquireLock } from "../state/lock.ts";
import type { TaskNode } from "../engine/compile.ts";
import type { RigError } from "../errors.ts";

type Emit = (event: { type: string; [key: string]: unknown }) => void;

export async function applyWithEvents(options: ProjectOptions, workflowName: string | undefined, emit: Emit, signal: AbortSignal): Promise<unknown> {
  const project = await openProject(options);
  const workflow = await selectWorkflow(project, workflowName, "apply");
  const release = await acquireLock(project.store, { command: `apply --workflow ${workflow.name} (rig serve)`, timeoutMs: 30_000, signal });
  try {
    const planned = await plan(workflow, project.stores, project.registry);
    const cachedRun = new Map(planned.nodes.map((n) => [n.path, n.runId]));
    emit({ type: "apply.started", workflow: workflow.name, pending: planned.nodes.filter((n) => n.status === "pending").map((n) => n.path), cached: planned.nodes.filter((n) => n.status === "cached").map((n) => n.path) });
    const latestRun = (node: TaskNode) =>
      (project.store.db.query("SELECT id FROM task_runs WHERE workflow = ? AND path = ? ORDER BY rowid DESC LIMIT 1").get(node.cacheKey.workflow, node.cacheKey.path) as { id: string } | null)?.id ?? "";
    const logPath = (id: string) => `${project.info.stateDir}/logs/${id}.log`;
    const at = { workflow: workflow.name };
    let status: "ok" | "failed" | "cancelled" = "ok";
    const attempts = new Map<string, number>();
    try {
      const result = await apply(workflow, project, {
        signal,
        observer: {
          cached: (node) => emit({ type: "task.cached", ...at, path: node.path, runId: cachedRun.get(node.path) ?? latestRun(node) }),
          queued: (node) => emit({ type: "task.queued", ...at, path: node.path }),
          running: (node) => emit({ type: "task.started", ...at, path: node.path, attempt: attempts.get(node.path) ?? 1, attempts: (node.options.retries ?? 0) + 1 }),
          output: (node, line) => emit({ type: "task.output", ...at, path: node.path, line }),
          retrying: (node, attempt, total, delayMs) => {
            attempts.set(node.path, attempt);
            emit({ type: "task.retrying", ...at, path: node.path, attempt, attempts: total, delayMs });
          },
          done: (node, ms) => {
            const runId = latestRun(node);
            emit({ type: "task.finished", ...at, path: node.path, status: "done", durationMs: Math.round(ms), runId, logPath: logPath(runId) });
          },
          failed: (node, ms, error: RigError) => {
            const runId = latestRun(node);
            emit({ type: "task.finished", ...at, path: node.path, status: "failed", durationMs: Math.round(ms), runId, logPath: logPath(runId), error: { code: error.code, message: error.message } });
          },
          cancelled: (node) => {
            const runId = latestRun(node);
            emit({ type: "task.finished", ...at, path: node.path, status: "cancelled", durationMs: 0, runId, logPath: logPath(runId) });
          },
        },
      });
      emit({ type: "apply.finished", ...at, ran: result.ran, cached: result.cached, status });
      return result;
    } catch (error) {
      status = (error as RigError).code === "INTERRUPTED" ? "cancelled" : "failed";
      emit({ type: "apply.finished", ...at, ran: [], cached: [], status });
      throw error;
    }
  } finally {
    release();
    project.store.close?.();
  }
}
