/**
 * Recovery (README "Ownership, status and recovery"): what a rig that was killed left half-done. A running log entry or
 * a creating/removing workspace records its process (pid and host); once that process is
 * gone, nobody will finish it. Read-only commands show such entries as `interrupted`
 * (`oplogStatus`, `recordedState`); the next command that opens the project for writing
 * records it (`recover`), and `rig gc` finishes the workspaces.
 */
import { processGone } from "../../host/pids.ts";
import type { OplogRow, Store } from "../../state/store.ts";

/** A log entry's status: `interrupted` when it says running but its process is gone. */
export const oplogStatus = (row: Pick<OplogRow, "status" | "pid" | "host">): string =>
  row.status === "running" && processGone(row.pid, row.host) ? "interrupted" : row.status;

/** Records every running log entry whose process is gone as interrupted; returns how many. */
export function recover(store: Store): number {
  const running = store.db.query("SELECT id, pid, host FROM oplog WHERE status = 'running' AND pid IS NOT NULL").all() as { id: number; pid: number; host: string | null }[];
  const dead = running.filter((row) => processGone(row.pid, row.host));
  for (const row of dead) store.db.query("UPDATE oplog SET status = 'interrupted', detail = ? WHERE id = ? AND status = 'running'").run(
    JSON.stringify({ error: `rig (pid ${row.pid}) stopped before it finished` }),
    row.id,
  );
  return dead.length;
}
