/**
 * Shared operation leases (SPEC §10 "Locks"). A workspace operation holds a lease on its
 * workspace while it runs; any number may run at once. `rm` and `stop` wait for the
 * leases on their workspaces (naming the operations) up to `--lock-timeout`, or with
 * `--force` stop the rig processes holding them. A lease whose process is gone (same
 * host) is ignored and deleted.
 */
import { hostname } from "node:os";
import { RigError } from "../errors.ts";
import { processAlive } from "../host/pids.ts";
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
    if (row.host === host && !processAlive(row.pid)) store.db.query("DELETE FROM workspace_leases WHERE id = ?").run(row.id);
    else if (row.pid !== process.pid || row.host !== host) live.push(row);
  }
  return live;
}

export const describeLease = (lease: Lease): string =>
  `\`rig ${lease.workspace}/${lease.operation}\` (pid ${lease.pid}${lease.host === hostname() ? "" : ` on ${lease.host}`}, since ${new Date(lease.started_at).toISOString()})`;

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
