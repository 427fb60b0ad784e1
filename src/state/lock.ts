/**
 * The project lock: one state-changing command at a time (apply, create, rm, cache
 * changes). It is a row in the state file, taken inside an IMMEDIATE transaction, so
 * taking it is atomic. A row whose process is gone (same host, pid not running) is taken
 * over. Read-only commands never look at it.
 */
import { hostname } from "node:os";
import { RigError } from "../errors.ts";
import { describeProcess, processGone } from "../host/pids.ts";
import type { Store } from "./store.ts";

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  acquired_at: number;
}

export interface LockOptions {
  /** What this process is doing, shown to whoever waits for it. */
  command: string;
  /** How long to wait for another holder; 0 fails at once. */
  timeoutMs: number;
  /** Called once when the lock is busy and we start waiting. */
  onWait?: (holder: LockHolder) => void;
  /** Ends the wait at once (Ctrl-C). */
  signal?: AbortSignal;
}

/** Takes the lock or throws LOCKED; returns the release function. */
export async function acquireLock(store: Store, options: LockOptions): Promise<() => void> {
  const host = hostname();
  const started = Date.now();
  let waited = false;
  const tryTake = store.db.transaction((): LockHolder | null => {
    const holder = store.db.query("SELECT pid, host, command, acquired_at FROM lock WHERE id = 1").get() as LockHolder | null;
    if (holder && holder.pid !== process.pid && !processGone(holder.pid, holder.host)) return holder;
    store.db
      .query("INSERT OR REPLACE INTO lock (id, pid, host, command, acquired_at) VALUES (1, ?, ?, ?, ?)")
      .run(process.pid, host, options.command, Date.now());
    return null;
  });
  for (;;) {
    if (options.signal?.aborted) throw new RigError("INTERRUPTED", "Interrupted while waiting for the project lock");
    const holder = tryTake.immediate();
    if (!holder) break;
    if (Date.now() - started >= options.timeoutMs) {
      throw new RigError("LOCKED", `Another rig is changing this project: ${describeHolder(holder)}`, {
        detail: [
          options.timeoutMs === 0 ? "Wait for it to finish, or pass --lock-timeout <duration> to wait." : "It did not finish within --lock-timeout.",
        ],
      });
    }
    if (!waited) options.onWait?.(holder);
    waited = true;
    await sleep(150, options.signal);
  }
  const release = () => {
    process.removeListener("exit", release);
    try {
      store.db.query("DELETE FROM lock WHERE id = 1 AND pid = ?").run(process.pid);
    } catch {
      // A full disk or a closed database: a lock held by a dead pid is taken over anyway.
    }
  };
  // Released on any exit, including a second Ctrl-C.
  process.on("exit", release);
  return release;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export function describeHolder(holder: LockHolder): string {
  return describeProcess(holder.command, holder.pid, holder.host, holder.acquired_at);
}
