/** What every command receives, and where it looks for the project. */
import { resolve } from "node:path";
import { parseDuration } from "../engine/duration.ts";
import type { ProjectOptions } from "../engine/project/locate.ts";
import type { ApplyOptions } from "../engine/graph/apply.ts";
import type { Store } from "../state/store.ts";
import { RigError } from "../errors.ts";
import type { Globals } from "./argv.ts";
import { progress } from "./progress.ts";
import { err } from "./ui.ts";

export interface Cli {
  globals: Globals;
  signal: AbortSignal;
}

/** Where to look for the project, from --chdir/--config/--state. */
export function projectOptions(globals: Globals): ProjectOptions {
  let cwd = process.cwd();
  if (globals.chdir !== undefined) {
    cwd = resolve(cwd, globals.chdir);
    const { statSync } = require("node:fs") as typeof import("node:fs"); // only with --chdir: node:fs costs ~3 ms to load
    let isDirectory = false;
    try {
      isDirectory = statSync(cwd, { throwIfNoEntry: false })?.isDirectory() ?? false;
    } catch {
      // a name too long, a path through a file: not a directory either
    }
    const shown = cwd.length > 200 ? `${cwd.slice(0, 200)}…` : cwd;
    if (!isDirectory) throw new RigError("USAGE", `--chdir: ${shown} is not a directory`);
  }
  return { cwd, config: globals.config, state: globals.state };
}


const DEFAULT_LOCK_TIMEOUT_MS = 5 * 60_000;

/** `--lock-timeout`: a duration (30s, 5m), or whole seconds. */
export function lockTimeoutMs(globals: Globals): number {
  const raw = globals.lockTimeout;
  if (raw === undefined) return DEFAULT_LOCK_TIMEOUT_MS;
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : parseDuration(raw);
  if (ms === null) throw new RigError("USAGE", `--lock-timeout: "${raw}" is not a duration`, { detail: ["Use e.g. 0, 30s, 5m."] });
  return ms;
}

/** Takes the project lock for a state-changing command, saying whom it waits for. */
export async function lockProject(cli: Cli, store: Store, command: string): Promise<() => void> {
  const { acquireLock, describeHolder } = await import("../state/lock.ts"); // node:os: only when locking
  const { waiting } = await import("../host/waiting.ts");
  return waiting(() =>
    acquireLock(store, {
      command,
      timeoutMs: lockTimeoutMs(cli.globals),
      signal: cli.signal,
      onWait: (holder) => err.line(`Waiting for ${describeHolder(holder)} to finish…`),
    }),
  );
}

/** `--concurrency N`: a whole number of at least 1; the number of CPUs when not given. */
export function concurrency(raw: string | undefined): number {
  if (raw === undefined) {
    const { availableParallelism } = require("node:os") as typeof import("node:os");
    return availableParallelism();
  }
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new RigError("USAGE", `--concurrency: "${raw}" is not a whole number of at least 1`);
  return Number(raw);
}

/** What `apply` needs from the command line: interrupts, progress, shared-fragment locks, --concurrency. */
export function applyOptions(cli: Cli, opts: { concurrency?: string } = {}): ApplyOptions {
  return {
    signal: cli.signal,
    concurrency: concurrency(opts.concurrency),
    observer: progress(),
    lockTimeoutMs: lockTimeoutMs(cli.globals),
    onLockWait: (message) => err.line(message),
  };
}

/**
 * Operations running on a workspace hold a shared lease on it (SPEC §10): `rm` and `stop`
 * wait for them, naming them, up to --lock-timeout, or stop them with --force.
 */
export async function waitForOperations(cli: Cli, store: Store, row: { workflow: string; name: string }, force: boolean | undefined): Promise<void> {
  const { describeLease, waitForLeases } = await import("../state/leases.ts");
  await waitForLeases(store, row.workflow, row.name, {
    timeoutMs: lockTimeoutMs(cli.globals),
    force,
    signal: cli.signal,
    onWait: (leases) => err.line(`${force ? "Stopping" : "Waiting for"} ${leases.map(describeLease).join(", ")}${force ? "" : " to finish"}…`),
  });
}
