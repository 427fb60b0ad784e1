/** Host capabilities (README "The config"): run commands, attach the terminal, open URLs, prompt. */
import { RigError, messageOf } from "../errors.ts";
import type { ExecOptions, ExecResult, HostCapabilities } from "../sdk/types.ts";
import { currentActivity, splitLines } from "./activity.ts";
import { writeErr } from "./io.ts";
import { script } from "./stoppable.ts";
import { stopMarked } from "./supervisor.ts";
import { prompt } from "./prompter.ts";
import { terminal } from "./terminal.ts";

/** How long a cancelled child gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 3000;

/** How a command is shown in logs and errors: as a shell would read it. */
const displayCommand = script;

/** The last lines of a command's output, for error details. */
export function tail(text: string, lines = 10): string[] {
  return splitLines(text.trimEnd()).slice(-lines);
}

/**
 * Each captured command runs in its own process group, so an interrupt reaches the whole
 * tree (`sh -c "a && b"`, `npm` and its children), not just the direct child. Groups
 * still running when rig exits are killed.
 */
const runningGroups = new Set<number>();
let killOnExit = false;
let scopes = 0;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function trackGroup(pid: number): void {
  if (!killOnExit) {
    killOnExit = true;
    process.on("exit", () => {
      for (const group of runningGroups) signalGroup(group, "SIGKILL");
    });
  }
  runningGroups.add(pid);
}

/** How much of a command's stdout (and of its stderr) `exec` returns: the last 1 MB; the full output is in the log. */
export const CAPTURE_BYTES = 1024 * 1024;

/** The last CAPTURE_BYTES of a stream, from whole lines when it had to drop some. */
class Capture {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private dropped = false;

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes - (this.chunks[0]?.length ?? 0) >= CAPTURE_BYTES) {
      this.bytes -= (this.chunks.shift() as Buffer).length;
      this.dropped = true;
    }
  }

  text(): string {
    let text = Buffer.concat(this.chunks).toString();
    if (this.dropped) text = text.slice(text.indexOf("\n") + 1);
    return text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
  }
}

/** rig's environment with these variables set (undefined: removed). */
function withEnv(vars: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, ...vars };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env as Record<string, string>;
}

/**
 * Reads a stream to its end: every chunk into `capture`, each whole line to `log` as it
 * comes. With `consume`, a line it takes (returns true for) is left out of both.
 */
async function drain(stream: ReadableStream<Uint8Array>, capture: Capture, log?: (line: string) => void, consume?: (line: string) => boolean): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    if (!consume) capture.add(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (!log && !consume) continue;
    const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (consume?.(line)) continue;
      if (consume) capture.add(Buffer.from(`${line}\n`));
      log?.(line);
    }
  }
  const rest = log || consume ? partial + decoder.decode() : "";
  if (consume && rest) capture.add(Buffer.from(rest));
  if (log && rest) log(rest);
}

/**
 * Runs a command, captures its output and streams each line into the current activity's
 * log (unless `quiet`: a provider's own bookkeeping). `label` names who ran it in errors
 * (e.g. "local"), `display` replaces the command shown in them. `cleanup` commands run
 * even after an interrupt.
 */
export async function runCommand(
  command: readonly string[] | string,
  options: ExecOptions & {
    label?: string;
    display?: string;
    quiet?: boolean;
    holdStdin?: boolean;
    /** Sees each line of stderr as it comes; a line it returns true for is rig's own (a status check riding on the command) and left out. */
    consumeStderr?: (line: string) => boolean;
  } = {},
): Promise<ExecResult> {
  const activity = currentActivity();
  const shown = options.display ?? displayCommand(command);
  if (Array.isArray(command) && command.length === 0) throw new RigError("EXEC_FAILED", "exec(): empty command");
  // Cleanup (removing a build container after Ctrl-C) must still run once interrupted.
  const signal = options.cleanup ? undefined : activity?.signal;
  if (signal?.aborted) throw new RigError("INTERRUPTED", `${options.label ? `${options.label}: ` : ""}command interrupted: ${shown}`);
  const where = options.label ? `${options.label}: ` : "";
  // Everything this command starts carries its own scope marker too, so a cancelled or
  // timed-out command is stopped whole, even parts that left its process group (setsid).
  const scope = `RIGKIT_SUPERVISOR_SCOPE=${process.pid}.${++scopes}`;
  // Bun.spawn rather than execa: execa and node:stream cost ~27 ms to load, more than most
  // provider commands take. A string runs through /bin/sh -c, as execa's `shell: true`.
  const argv = typeof command === "string" ? ["/bin/sh", "-c", command] : [...command];
  let child: Bun.Subprocess<"pipe" | "ignore" | Uint8Array, "pipe", "pipe">;
  try {
    child = Bun.spawn(argv, {
      cwd: options.cwd,
      // The given variables on top of rig's own environment (which carries RIGKIT_SUPERVISOR).
      // A cleanup command runs because of an interrupt: it must not carry the marker that
      // the interrupt's sweep of this rig's processes looks for (src/host/supervisor.ts).
      env: withEnv({
        ...options.env,
        RIGKIT_SUPERVISOR_SCOPE: scope.slice(scope.indexOf("=") + 1),
        ...(options.cleanup ? { RIGKIT_SUPERVISOR: undefined } : {}),
      }),
      // holdStdin: a pipe left open while the command runs, so the far end sees EOF only
      // when this side goes away (the ssh provider stops remote commands that way).
      // Input as a buffer: Bun writes it, and a command that never reads it is no error.
      stdin: options.input !== undefined ? new TextEncoder().encode(options.input) : options.holdStdin ? "pipe" : "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: true, // its own process group (see signalGroup)
    });
  } catch (error) {
    const reason = (error as { code?: string }).code === "ENOENT" ? "command not found" : messageOf(error);
    throw new RigError("EXEC_FAILED", `${where}cannot run ${shown}: ${reason}`, { detail: options.cwd ? [`cwd: ${options.cwd}`] : [] });
  }
  const pid = child.pid;
  // Interrupted: SIGTERM to the group, SIGKILL after the grace period.
  const onAbort = () => {
    signalGroup(pid, "SIGTERM");
    void stopMarked(scope, KILL_GRACE_MS);
    setTimeout(() => signalGroup(pid, "SIGKILL"), KILL_GRACE_MS).unref();
  };
  trackGroup(pid);
  signal?.addEventListener("abort", onAbort, { once: true });
  // Output is streamed (to the activity's log) and only a bounded tail is kept here, so
  // rig's memory does not grow with a command's output (README "Output and logs").
  const log = activity && !options.quiet ? (line: string) => activity.log(line.replace(/\r$/, "")) : undefined;
  const captured = [new Capture(), new Capture()] as const;
  let exitCode: number | null;
  try {
    [, , exitCode] = await Promise.all([drain(child.stdout, captured[0], log), drain(child.stderr, captured[1], log, options.consumeStderr), child.exited.then(() => child.exitCode)]);
  } finally {
    runningGroups.delete(pid);
    signal?.removeEventListener("abort", onAbort);
  }
  const stdout = captured[0].text();
  const stderr = captured[1].text();
  if (signal?.aborted) {
    throw new RigError("INTERRUPTED", `${where}command interrupted: ${shown}`);
  }
  if (exitCode === null) {
    // Killed from outside (OOM killer, kill -9): say by what, and what it said last.
    throw new RigError("EXEC_FAILED", `${where}command killed by ${child.signalCode ?? "a signal"}: ${shown}`, { detail: tail(stderr || stdout) });
  }
  if (exitCode !== 0 && options.reject !== false) {
    throw new RigError("EXEC_FAILED", `${where}command failed (exit ${exitCode}): ${shown}`, {
      detail: tail(stderr || stdout),
    });
  }
  return { command: shown, exitCode, stdout, stderr };
}

/** Runs a command attached to the user's terminal. */
export async function runInteractive(
  argv: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<number> {
  if (argv.length === 0) throw new RigError("EXEC_FAILED", "interactive(): empty command");
  let child: Bun.Subprocess;
  try {
    child = Bun.spawn([...argv], { cwd: options.cwd, env: options.env ? withEnv(options.env) : undefined, stdio: ["inherit", "inherit", "inherit"] });
  } catch (error) {
    const reason = (error as { code?: string }).code === "ENOENT" ? "command not found" : messageOf(error);
    throw new RigError("EXEC_FAILED", `cannot run ${displayCommand(argv)}: ${reason}`);
  }
  await child.exited;
  if (child.exitCode === null) throw new RigError("EXEC_FAILED", `cannot run ${displayCommand(argv)}: killed by ${child.signalCode ?? "a signal"}`);
  return child.exitCode;
}


/**
 * Commands a config asks to run on the host are shown, and confirmed on a TTY unless
 * RIGKIT_TRUST_HOST_COMMANDS=1. Without a TTY they are shown in the log and run: the
 * config author chose them, and scripts cannot answer a prompt.
 */
async function confirmHostCommand(command: readonly string[] | string, reason?: string): Promise<void> {
  const shown = displayCommand(command);
  currentActivity()?.log(`$ ${shown}${reason ? `  # ${reason}` : ""}`);
  if (process.env.RIGKIT_TRUST_HOST_COMMANDS === "1" || !terminal.canPrompt()) return;
  if (!(await prompt.confirm(`Run on this machine: ${shown}?${reason ? ` (${reason})` : ""}`, { initial: true }))) {
    throw new RigError("INTERRUPTED", `Declined to run ${shown}`);
  }
}

async function openUrl(url: string): Promise<void> {
  const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "start" : "xdg-open";
  const headless = process.platform === "linux" && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
  if (process.env.RIGKIT_NO_BROWSER === "1" || headless) {
    writeErr(`Open ${url}\n`);
    return;
  }
  const { execa } = await import("execa");
  const result = await execa(opener, [url], { reject: false, stdio: "ignore" });
  if (result.failed) writeErr(`Open ${url}\n`);
}

export const host: HostCapabilities = {
  async exec(command, options) {
    await confirmHostCommand(command);
    return runCommand(command, { ...options, label: "host" });
  },
  async interactive(argv, options) {
    await confirmHostCommand(argv);
    return runInteractive(argv, options);
  },
  async command({ argv, cwd, env, mode, reason }) {
    if (mode !== "capture" && mode !== "interactive") {
      throw new RigError("EXEC_FAILED", `local.command(): mode must be "capture" or "interactive", not ${JSON.stringify(mode)}`);
    }
    await confirmHostCommand(argv, reason);
    if (mode === "interactive") {
      const exitCode = await runInteractive(argv, { cwd, env });
      return { command: displayCommand(argv), ok: exitCode === 0, exitCode, stdout: "", stderr: "" };
    }
    const result = await runCommand(argv, { cwd, env, reject: false, label: "host" });
    return { ...result, ok: result.exitCode === 0 };
  },
  open: openUrl,
  prompt,
};

export { prompt, terminalPrompter } from "./prompter.ts";
