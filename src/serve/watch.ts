/**
 * What other rig processes do to this project, as events (README "Dashboard"): a
 * `rig apply`, `rig create` or `rig rm` run in a terminal changes the state file, not this
 * server's memory. The watcher asks SQLite whether anyone committed (`PRAGMA data_version`,
 * one cheap read) a few times a second, and only then reads what is new: apply log entries
 * (apply.started / apply.finished), task runs (task.finished, with a failed task's log
 * tail as task.output) and workspace records (workspace.created / .removed / .status).
 * Entries written by this very process are left out: its own runs emit their events directly.
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";

/** The events the watcher emits: the same shapes as the engine's (src/engine/events.ts). */
export type WatchedEvent =
  | { type: "apply.started"; workflow: string; pending: string[]; cached: string[] }
  | { type: "apply.finished"; workflow: string; ran: string[]; cached: string[]; status: "ok" | "failed" | "cancelled" }
  | { type: "task.output"; workflow: string; path: string; line: string }
  | { type: "task.finished"; workflow: string; path: string; status: "done" | "failed" | "cancelled"; durationMs: number; runId: string; logPath: string; error?: { code: string; message: string } }
  | { type: "workspace.created"; workflow: string; name: string; ctx: unknown }
  | { type: "workspace.removed"; workflow: string; name: string }
  | { type: "workspace.status"; workflow: string; name: string; status: string };

const TAIL_LINES = 40;

interface OplogEntry { id: number; kind: string; workflow: string | null; status: string; pid: number | null; detail: string | null }
interface TaskRun { rowid: number; id: string; workflow: string; path: string; status: string; error: string | null; log: string; duration_ms: number; started_at: number }
interface WorkspaceEntry { workflow: string; name: string; status: string; ctx: string }

export interface StateWatcher {
  stop(): void;
  /** Reads what changed now (the tests and the server's shutdown call it; the timer does too). */
  check(): void;
}

export function watchState(stateFile: string, emit: (event: WatchedEvent) => void, options: { intervalMs?: number; pid?: number } = {}): StateWatcher {
  const pid = options.pid ?? process.pid;
  const logsDir = join(stateFile, "..", "logs");
  let db: Database | null = null;
  let version = -1;
  let lastRun = 0;
  let lastOplog = 0;
  const running = new Map<number, OplogEntry & { ran: string[] }>(); // other processes' running applies, with the tasks they ran
  let workspaces = new Map<string, WorkspaceEntry>();

  const open = (): Database | null => {
    if (db) return db;
    try {
      db = new Database(stateFile, { readwrite: true, create: false });
      db.run("PRAGMA busy_timeout = 2000");
      // Start from now: history is `GET /log`'s, not the event stream's.
      lastRun = (db.query("SELECT coalesce(max(rowid), 0) AS n FROM task_runs").get() as { n: number }).n;
      lastOplog = (db.query("SELECT coalesce(max(id), 0) AS n FROM oplog").get() as { n: number }).n;
      workspaces = readWorkspaces(db);
      for (const e of db.query("SELECT id, kind, workflow, status, pid, detail FROM oplog WHERE status = 'running' AND kind = 'apply'").all() as OplogEntry[]) {
        if (e.pid !== pid) running.set(e.id, { ...e, ran: [] });
      }
      return db;
    } catch {
      db = null; // no state file yet (nothing applied): asked again next time
      return null;
    }
  };

  const check = () => {
    const conn = open();
    if (!conn) return;
    try {
      const now = (conn.query("PRAGMA data_version").get() as { data_version: number }).data_version;
      if (now === version) return;
      version = now;
      // A run of an apply this process made (its events went out as it ran), even one finished since.
      const ours = conn.query(
        "SELECT 1 FROM oplog WHERE pid = ? AND kind = 'apply' AND workflow = ? AND started_at <= ? AND (finished_at IS NULL OR finished_at >= ?) LIMIT 1",
      );
      for (const e of conn.query("SELECT id, kind, workflow, status, pid, detail FROM oplog WHERE id > ? ORDER BY id").all(lastOplog) as OplogEntry[]) {
        lastOplog = e.id;
        if (e.kind !== "apply" || e.workflow === null) continue;
        if (e.pid === pid) continue;
        running.set(e.id, { ...e, ran: [] });
        emit({ type: "apply.started", workflow: e.workflow, pending: [], cached: [] });
      }
      for (const run of conn.query("SELECT rowid, id, workflow, path, status, error, log, duration_ms, started_at FROM task_runs WHERE rowid > ? ORDER BY rowid").all(lastRun) as TaskRun[]) {
        lastRun = run.rowid;
        if (ours.get(pid, run.workflow, run.started_at, run.started_at)) continue;
        for (const apply of running.values()) if (apply.workflow === run.workflow) apply.ran.push(run.path);
        if (run.status !== "ok") {
          for (const line of run.log.split("\n").slice(-TAIL_LINES)) if (line) emit({ type: "task.output", workflow: run.workflow, path: run.path, line });
        }
        emit({
          type: "task.finished",
          workflow: run.workflow,
          path: run.path,
          status: run.status === "ok" ? "done" : run.status === "failed" ? "failed" : "cancelled",
          durationMs: run.duration_ms,
          runId: run.id,
          logPath: join(logsDir, `${run.id}.log`),
          ...(run.status === "ok" ? {} : { error: { code: run.status === "failed" ? "TASK_FAILED" : "INTERRUPTED", message: run.error ?? run.status } }),
        });
      }
      for (const [id, e] of running) {
        const now = conn.query("SELECT status, detail FROM oplog WHERE id = ?").get(id) as { status: string; detail: string | null } | null;
        if (now && now.status === "running") continue;
        running.delete(id);
        // Which tasks it found cached is not in the state file (only what ran): cached stays empty.
        const status = now?.status === "ok" ? "ok" : now?.status === "failed" ? "failed" : "cancelled";
        emit({ type: "apply.finished", workflow: e.workflow as string, ran: e.ran, cached: [], status });
      }
      const next = readWorkspaces(conn);
      for (const [key, ws] of next) {
        const before = workspaces.get(key);
        if (!before && ws.status === "ready") emit({ type: "workspace.created", workflow: ws.workflow, name: ws.name, ctx: JSON.parse(ws.ctx) });
        else if (before && before.status !== ws.status) emit({ type: "workspace.status", workflow: ws.workflow, name: ws.name, status: ws.status });
        else if (!before) emit({ type: "workspace.status", workflow: ws.workflow, name: ws.name, status: ws.status });
      }
      for (const [key, ws] of workspaces) if (!next.has(key)) emit({ type: "workspace.removed", workflow: ws.workflow, name: ws.name });
      workspaces = next;
    } catch {
      // A state file being migrated or replaced: read again on the next tick.
      version = -1;
    }
  };

  const timer = setInterval(check, options.intervalMs ?? 250);
  timer.unref?.();
  return {
    check,
    stop() {
      clearInterval(timer);
      db?.close();
      db = null;
    },
  };
}

function readWorkspaces(db: Database): Map<string, WorkspaceEntry> {
  const rows = db.query("SELECT workflow, name, status, ctx FROM workspaces").all() as WorkspaceEntry[];
  return new Map(rows.map((r) => [`${r.workflow}\0${r.name}`, r]));
}
