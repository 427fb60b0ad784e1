/**
 * Running config code (a task, hook or operation) under a time limit and the command's
 * interrupt. The code gets its own signal, aborted on interrupt or when its `timeout`
 * passes; rig's helpers stop their process trees when it aborts. Code that ignores the
 * signal is not waited for beyond the grace period: the attempt ends with TIMEOUT or
 * INTERRUPTED while the code is left to finish in the background (its processes are
 * stopped when the command ends).
 */
import { RigError } from "../errors.ts";
import { GRACE_MS } from "../host/supervisor.ts";
import { formatDuration, parseDuration } from "./duration.ts";

/** A `timeout` option in milliseconds (undefined: none), or a config error naming `what`. */
export function timeoutOption(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === "number" || typeof value === "string" ? parseDuration(value) : null;
  if (ms === null || ms === 0) {
    throw new RigError("CONFIG_ERROR", `${what}: timeout ${JSON.stringify(value)} is not a duration`, {
      detail: ['Use milliseconds or a number with ms, s, m, h or d, e.g. "30s" or "10m".'],
    });
  }
  return ms;
}

export interface Supervised {
  /** The command's interrupt. */
  signal: AbortSignal;
  timeoutMs?: number;
  /** Named in the TIMEOUT message, e.g. "Task app/install". */
  what: string;
  graceMs?: number;
}

/** Runs `fn` with a signal that aborts on interrupt or timeout; see the module comment. */
export async function supervised<T>(options: Supervised, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timedOut: RigError | null = null;
  let expired: () => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    expired = () => {
      const reason = timedOut ?? new RigError("INTERRUPTED", "Interrupted");
      // The code's own error (its killed command) is preferred when it ends in time.
      setTimeout(() => reject(reason), options.graceMs ?? GRACE_MS).unref();
    };
  });
  stopped.catch(() => {});
  const onAbort = () => {
    controller.abort();
    expired();
  };
  options.signal.addEventListener("abort", onAbort, { once: true });
  if (options.signal.aborted) onAbort();
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = new RigError("TIMEOUT", `${options.what} timed out after ${formatDuration(options.timeoutMs as number)}`, {
            detail: ["Its processes were stopped. Raise its `timeout` option if it needs longer."],
          });
          onAbort();
        }, options.timeoutMs);
  try {
    const result = await Promise.race([fn(controller.signal), stopped]);
    if (timedOut) throw timedOut;
    // Interrupted while it finished: cancelled all the same (a create is undone, not kept).
    if (options.signal.aborted) throw new RigError("INTERRUPTED", "Interrupted");
    return result;
  } catch (error) {
    throw timedOut ?? error;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", onAbort);
  }
}
