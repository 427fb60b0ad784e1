/**
 * Process ownership (SPEC §10). `bin/rig` starts Bun with `RIGKIT_SUPERVISOR=rig:<pid>`
 * in its environment, so every process started during a command inherits it — through
 * rig's helpers, `node:child_process` or `Bun.spawn` (which does not see later changes to
 * `process.env`, hence the launcher), also after `setsid` or daemonising. Finding what a
 * command started is a scan of `/proc/<pid>/environ` for that exact entry; process
 * groups alone miss anything that left its group.
 *
 * A command that opens a project leaves a run file (`.rigkit/run/<pid>`) that a normal
 * exit deletes. A run file whose rig is gone means that rig was killed: the next command
 * in the project stops the processes that still carry its marker (reapLeftovers).
 * A command that ends normally leaves its processes alone only when it succeeded (a
 * workspace hook may start a dev server on purpose); on failure or interrupt main.ts
 * stops them.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "./pids.ts";

const KEY = "RIGKIT_SUPERVISOR";
/** How long stopped processes get between SIGTERM and SIGKILL. */
export const GRACE_MS = 3000;

/** The environment entry every process started by this rig carries. */
export const markerOf = (pid: number): string => `${KEY}=rig:${pid}`;

/**
 * Makes sure this process's children inherit our marker. Started without bin/rig (e.g.
 * `bun src/cli/main.ts`), only children that copy `process.env` (node:child_process,
 * execa) get it; Bun.spawn's still do not.
 */
export function ensureMarker(): void {
  const value = `rig:${process.pid}`;
  if (process.env[KEY] !== value) process.env[KEY] = value;
}

/** Pids (not ours) whose environment holds `entry` ("NAME=value"). Linux only: elsewhere none. */
export function findMarked(entry: string): number[] {
  if (process.platform !== "linux") return [];
  const found: number[] = [];
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const needle = `\0${entry}\0`;
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue; // gone, or another user's
    }
    if (`\0${environ}`.includes(needle)) found.push(pid);
  }
  return found;
}

function send(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Signals every process carrying `entry` at once (used at exit, where nothing can wait). */
export function signalMarked(entry: string, signal: NodeJS.Signals): number {
  const pids = findMarked(entry);
  send(pids, signal);
  return pids.length;
}

/**
 * Stops every process carrying `entry`: SIGTERM, up to `graceMs` for them to end, then
 * SIGKILL. Scans again each round, since a dying parent may still start something.
 */
export async function stopMarked(entry: string, graceMs = GRACE_MS): Promise<number> {
  const first = findMarked(entry);
  if (first.length === 0) return 0;
  send(first, "SIGTERM");
  const deadline = Date.now() + graceMs;
  for (;;) {
    await Bun.sleep(50);
    const left = findMarked(entry);
    if (left.length === 0) return first.length;
    if (Date.now() >= deadline) break;
    send(left, "SIGTERM");
  }
  for (let round = 0; round < 20; round++) {
    const left = findMarked(entry);
    if (left.length === 0) break;
    send(left, "SIGKILL");
    await Bun.sleep(20);
  }
  return first.length;
}

/** This rig's own marker entry. */
export const ownMarker = (): string => markerOf(process.pid);

/** Stops everything this rig started (failure, interrupt, timeout of the whole command). */
export const stopOwned = (graceMs = GRACE_MS): Promise<number> => stopMarked(ownMarker(), graceMs);

let runFile: string | null = null;

/** Notes that this rig runs in the project, so a later command can reap what a `kill -9` left. */
export function registerRun(stateDir: string): void {
  if (runFile || process.platform !== "linux") return;
  const dir = join(stateDir, "run");
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, String(process.pid));
    writeFileSync(file, `${ownMarker()}\n`, { mode: 0o600 });
    runFile = file;
    process.on("exit", releaseRun);
  } catch {
    // a read-only project: nothing to reap later, nothing lost now
  }
}

/** Forgets the run file (normal exit: whatever is still running was left on purpose or already stopped). */
export function releaseRun(): void {
  if (!runFile) return;
  try {
    rmSync(runFile, { force: true });
  } catch {
    // left for the next command, which sees our pid is gone and finds nothing to stop
  }
  runFile = null;
}

/**
 * Stops the processes left behind by rigs of this project that were killed (their run
 * file is there, their pid is not). Returns how many processes were stopped.
 */
export async function reapLeftovers(stateDir: string, graceMs = GRACE_MS): Promise<number> {
  if (process.platform !== "linux") return 0;
  const dir = join(stateDir, "run");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let stopped = 0;
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    // A live pid may be that rig, or a new process that reused its pid: either way wait.
    if (pid === process.pid || processAlive(pid)) continue;
    stopped += await stopMarked(markerOf(pid), graceMs);
    rmSync(join(dir, name), { force: true });
  }
  return stopped;
}
