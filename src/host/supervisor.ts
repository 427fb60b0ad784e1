/**
 * Process ownership (README "Signals"). `bin/rig` starts Bun with `RIGKIT_SUPERVISOR=rig:<pid>`
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
import { processAlive } from "./pids.ts";

/** node:fs on first use: main.ts loads this module on every command (see io.ts on its cost). */
const fs = (): typeof import("node:fs") => require("node:fs") as typeof import("node:fs");
const join = (...parts: string[]): string => parts.join("/");

const KEY = "RIGKIT_SUPERVISOR";
/** How long stopped processes get between SIGTERM and SIGKILL. */
export const GRACE_MS = 3000;

/**
 * This rig's marker value: `rig:<pid>:<start time>` as bin/rig set it (the start time
 * tells a later process that reuses the pid apart), or `rig:<pid>` when rig was started
 * some other way (e.g. `bun src/cli/main.ts`: then only children that copy `process.env`,
 * such as node:child_process and execa ones, get it; Bun.spawn's do not).
 */
export function ensureMarker(): string {
  const value = process.env[KEY];
  if (value === `rig:${process.pid}` || value?.startsWith(`rig:${process.pid}:`)) return value;
  process.env[KEY] = `rig:${process.pid}`;
  return process.env[KEY];
}

/** Pids (not ours, and `among` those when given) whose environment holds `entry` ("NAME=value"). Linux only: elsewhere none. */
export function findMarked(entry: string, among: (pid: number) => boolean = () => true): number[] {
  if (process.platform !== "linux") return [];
  const found: number[] = [];
  let names: string[];
  try {
    names = fs().readdirSync("/proc");
  } catch {
    return [];
  }
  const needle = `\0${entry}\0`;
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid || !among(pid)) continue;
    let environ: string;
    try {
      environ = fs().readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue; // gone, or another user's
    }
    if (`\0${environ}`.includes(needle) && !isSharedConnection(pid)) found.push(pid);
  }
  return found;
}

/**
 * The ssh provider's shared connections (ControlMaster processes, which call themselves
 * `ssh: <socket> [mux]`) outlive the command that happened to open them on purpose: they
 * serve the next commands and end themselves after two minutes idle. They are never this
 * command's leftovers, so a failing command does not cost the next one a new handshake.
 * Only sockets in rig's own directory count; a master config code opened elsewhere is
 * supervised like any other process.
 */
function isSharedConnection(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = fs().readFileSync(`/proc/${pid}/cmdline`, "latin1");
  } catch {
    return false;
  }
  const socket = /^ssh: (\S+) \[mux\]/.exec(cmdline)?.[1];
  if (!socket) return false;
  const { sshControlDir } = require("./home.ts") as typeof import("./home.ts"); // node:os: only here
  return socket.startsWith(`${sshControlDir()}/`);
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

/** A process's start time (clock ticks since boot, /proc/<pid>/stat field 22): with the pid, an identity that survives pid reuse. */
export function startTimeOf(pid: number): number | null {
  try {
    const stat = fs().readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? null : Number(fields[19]);
  } catch {
    return null;
  }
}

/** A process as found now: pid and start time. */
export interface ProcessId {
  pid: number;
  start: number;
}

/** A moment to find this rig's processes started since (startedSince). */
export interface Moment {
  /** Clock ticks since boot, startTimeOf's unit. */
  ticks: number;
  /** The pid most recently handed out on this machine then. */
  pid: number;
  /** Date.now() then. */
  at: number;
}

const procFile = (file: string): string => {
  try {
    return fs().readFileSync(file, "latin1");
  } catch {
    return ""; // no /proc: nothing is found anyway
  }
};

/** Now: /proc/uptime counts startTimeOf's clock in seconds with two decimals (a tick is 1/100 s); /proc/loadavg ends with the last pid handed out. */
export function moment(): Moment {
  const [seconds = "0", hundredths = "0"] = (procFile("/proc/uptime").split(" ")[0] ?? "").split(".");
  const pid = Number(procFile("/proc/loadavg").trim().split(" ").at(-1)) || 0;
  return { ticks: Number(seconds) * 100 + Number(hundredths.slice(0, 2).padEnd(2, "0")), pid, at: Date.now() };
}

/**
 * The processes this rig started since `since` that run now. Pids are handed out in increasing order,
 * wrapping at pid_max, so a process started since has a pid after `since.pid` up to the
 * last one handed out now: only those environments are read, not every process's. That
 * holds while the counter has not gone all the way round, which takes tens of thousands
 * of processes: after a second, every process is looked at.
 */
export function startedSince(since: Moment): ProcessId[] {
  const last = moment().pid;
  const recent = since.pid > 0 && last > 0 && Date.now() - since.at < 1000;
  const wrapped = last < since.pid;
  const among = (pid: number) => !recent || (wrapped ? pid > since.pid || pid <= last : pid > since.pid && pid <= last);
  return findMarked(ownMarker(), among).flatMap((pid) => {
    const start = startTimeOf(pid);
    return start === null || start < since.ticks ? [] : [{ pid, start }];
  });
}

/** Stops the given processes (those still the same process): SIGTERM, grace, SIGKILL. */
export async function stopProcesses(processes: ProcessId[], graceMs = GRACE_MS): Promise<number> {
  const same = () => processes.filter((p) => startTimeOf(p.pid) === p.start);
  const first = same();
  send(first.map((p) => p.pid), "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (same().length > 0 && Date.now() < deadline) await Bun.sleep(50);
  send(same().map((p) => p.pid), "SIGKILL");
  return first.length;
}

/** This rig's own marker entry ("RIGKIT_SUPERVISOR=rig:…"). */
export const ownMarker = (): string => `${KEY}=${ensureMarker()}`;

/** Stops everything this rig started (failure, interrupt, timeout of the whole command). */
export const stopOwned = (graceMs = GRACE_MS): Promise<number> => stopMarked(ownMarker(), graceMs);

let runFile: string | null = null;

/** Notes that this rig runs in the project, so a later command can reap what a `kill -9` left. */
export function registerRun(stateDir: string): void {
  if (runFile || process.platform !== "linux") return;
  const dir = join(stateDir, "run");
  try {
    fs().mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, String(process.pid));
    fs().writeFileSync(file, `${ownMarker()}\n`, { mode: 0o600 });
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
    fs().rmSync(runFile, { force: true });
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
    // Bun's glob, not node:fs (~3 ms to load): `ls` and completion-speed commands call
    // this, and the directory is almost always empty.
    names = [...new Bun.Glob("*").scanSync({ cwd: dir, onlyFiles: false })];
  } catch {
    return 0;
  }
  let stopped = 0;
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let marker: string;
    try {
      marker = fs().readFileSync(join(dir, name), "utf8").trim();
    } catch {
      continue; // its rig just ended and removed it
    }
    if (!marker.startsWith(`${KEY}=rig:${pid}`)) continue; // not ours to read
    // Still running: that rig itself (same start time), or — with only a pid to go by —
    // possibly a new process that reused it: wait either way.
    const start = marker.split(":")[2];
    if (processAlive(pid) && (start === undefined || String(startTimeOf(pid)) === start)) continue;
    stopped += await stopMarked(marker, graceMs);
    fs().rmSync(join(dir, name), { force: true });
  }
  return stopped;
}
