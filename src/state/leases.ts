/**
 * Shared operation leases (README "Locks and leases"). A workspace operation holds a lease on its
 * workspace while it runs; any number may run at once. `rm` and `stop` wait for the
 * leases on their workspaces (naming the operations) up to `--lock-timeout`, or with
 * `--force` stop the rig processes holding them. A lease whose process is gone (same
 * host) is ignored and deleted.
 */
import { hostname } from "node:os";
import { RigError } from "../errors.ts";
import { describeProcess, processGone } from "../host/pids.ts";
import type { Store } from "./store.ts";

export interface Lease {
  id: number;
  workflow: string;
  workspace: string;
  operation: string;
  pid: number;
  host: string;
  started_at: number;
}

/** Takes a lease; returns its release function (also run at exit). */
export function takeLease(store: Store, workflow: string, workspace: string, operation: string): () => void {
  const { lastInsertRowid } = store.db
    .query("INSERT INTO workspace_leases (workflow, workspace, operation, pid, host, started_at) VALUES (?, ?, ?, ?, ?, ?)")
    .run(workflow, workspace, operation, process.pid, hostname(), Date.now());
  const release = () => {
    process.removeListener("exit", release);
    try {
      store.db.query("DELETE FROM workspace_leases WHERE id = ?").run(lastInsertRowid);
    } catch {
      // a dead pid's lease is ignored anyway
    }
  };
  process.on("exit", release);
  return release;
}

/** The live leases on a workspace (other processes only); dead ones are deleted. */
export function leasesOn(store: Store, workflow: string, workspace: string): Lease[] {
  const host = hostname();
  const rows = store.db.query("SELECT * FROM workspace_leases WHERE workflow = ? AND workspace = ?").all(workflow, workspace) as Lease[];
  const live: Lease[] = [];
  for (const row of rows) {
    if (processGone(row.pid, row.host)) store.db.query("DELETE FROM workspace_leases WHERE id = ?").run(row.id);
    else if (row.pid !== process.pid || row.host !== host) live.push(row);
  }
  return live;
}

export const describeLease = (lease: Lease): string => describeProcess(`${lease.workspace}/${lease.operation}`, lease.pid, lease.host, lease.started_at);

export interface WaitOptions {
  timeoutMs: number;
  /** Stop the holders (SIGTERM to their rig, which stops its processes) instead of waiting. */
  force?: boolean;
  signal?: AbortSignal;
  onWait?: (leases: Lease[]) => void;
}

/** Waits until no operation holds a lease on the workspace; throws LOCKED past the timeout. */
export async function waitForLeases(store: Store, workflow: string, workspace: string, options: WaitOptions): Promise<void> {
  const started = Date.now();
  let told = false;
  let stopped = false;
  for (;;) {
    if (options.signal?.aborted) throw new RigError("INTERRUPTED", "Interrupted while waiting for running operations");
    const leases = leasesOn(store, workflow, workspace);
    if (leases.length === 0) return;
    if (options.force && !stopped) {
      stopped = true;
      for (const lease of leases) if (lease.host === hostname()) signal(lease.pid);
    }
    // Stopped holders get their grace period (and then some) to end.
    if (Date.now() - started >= (options.force ? Math.max(options.timeoutMs, 15_000) : options.timeoutMs)) {
      throw new RigError("LOCKED", `Workspace ${workspace} is in use by ${leases.map(describeLease).join(", ")}`, {
        detail: ["Wait for it to finish, pass --lock-timeout <duration> to wait longer, or --force to stop it."],
        workspace,
      });
    }
    if (!told) options.onWait?.(leases);
    told = true;
    await Bun.sleep(150);
  }
}

function signal(pid: number): void {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // gone already
  }
}

/** Notes processes a hook or operation left running for a workspace. */
export function recordProcesses(store: Store, workflow: string, workspace: string, processes: { pid: number; start: number }[]): void {
  const insert = store.db.query("INSERT OR IGNORE INTO workspace_processes (workflow, workspace, pid, start, host) VALUES (?, ?, ?, ?, ?)");
  for (const p of processes) insert.run(workflow, workspace, p.pid, p.start, hostname());
}

/** The processes noted for a workspace on this host; forgets them (the caller stops them). */
export function takeProcesses(store: Store, workflow: string, workspace: string): { pid: number; start: number }[] {
  const host = hostname();
  const rows = store.db
    .query("SELECT pid, start FROM workspace_processes WHERE workflow = ? AND workspace = ? AND host = ?")
    .all(workflow, workspace, host) as { pid: number; start: number }[];
  store.db.query("DELETE FROM workspace_processes WHERE workflow = ? AND workspace = ? AND host = ?").run(workflow, workspace, host);
  return rows;
}
