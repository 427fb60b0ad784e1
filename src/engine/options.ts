/**
 * The options every front end shares (`--lock-timeout`, `--concurrency`, `--ttl`,
 * `--limit`): their defaults, stated once, and how their text is read. The command table
 * (src/cli/table.ts) shows these defaults in help; the engine applies them when an input
 * leaves an option out. No imports that cost start-up time: the fast lane reads this.
 */
import { RigError } from "../errors.ts";
import { parseDuration } from "./duration.ts";

/** How long a state-changing call waits for another rig changing the project (README "Locks"). */
export const DEFAULT_LOCK_TIMEOUT = "5m";
export const DEFAULT_LOCK_TIMEOUT_MS = 5 * 60_000;

/** How many `rig log` entries. */
export const DEFAULT_LOG_LIMIT = 50;

/** `--lock-timeout`: a duration (30s, 5m), or whole seconds. */
export function parseLockTimeout(raw: string | number | undefined): number {
  if (raw === undefined) return DEFAULT_LOCK_TIMEOUT_MS;
  if (typeof raw === "number") {
    if (Number.isFinite(raw) && raw >= 0) return raw;
    throw new RigError("USAGE", `--lock-timeout: ${raw} is not a duration`, { detail: ["Use e.g. 0, 30s, 5m."] });
  }
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : parseDuration(raw);
  if (ms === null) throw new RigError("USAGE", `--lock-timeout: "${raw}" is not a duration`, { detail: ["Use e.g. 0, 30s, 5m."] });
  return ms;
}

/** `--concurrency N`: a whole number of at least 1; the number of CPUs when not given. */
export function parseConcurrency(raw: string | number | undefined): number {
  if (raw === undefined) {
    const { availableParallelism } = require("node:os") as typeof import("node:os"); // node:os only when needed
    return availableParallelism();
  }
  const text = String(raw);
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new RigError("USAGE", `--concurrency: "${text}" is not a whole number of at least 1`);
  return Number(text);
}

/** `--ttl`: a positive duration (text such as 4h, or milliseconds). */
export function parseTtl(raw: string | number): number {
  const ms = parseDuration(raw);
  if (ms === null || ms <= 0) throw new RigError("USAGE", `--ttl: "${raw}" is not a duration`, { detail: ["Use e.g. 30m, 4h, 2d."] });
  return ms;
}

/** `-n/--limit`: a positive whole number; DEFAULT_LOG_LIMIT when not given. */
export function parseLimit(raw: string | number | undefined): number {
  if (raw === undefined) return DEFAULT_LOG_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) throw new RigError("USAGE", `-n/--limit must be a positive whole number, not "${raw}"`);
  return limit;
}
