/** Host capabilities (SPEC §6): run commands, attach the terminal, open URLs, prompt. */
import { RigError } from "../errors.ts";
import type { ExecOptions, ExecResult, HostCapabilities, PromptApi } from "../sdk/types.ts";
import { currentActivity, splitLines } from "./activity.ts";
import { writeErr } from "./io.ts";
import { script } from "./stoppable.ts";
import { stopMarked } from "./supervisor.ts";
import { prompting } from "./waiting.ts";
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

/**
 * Runs a command, captures its output and streams each line into the current activity's
 * log (unless `quiet`: a provider's own bookkeeping). `label` names who ran it in errors
 * (e.g. "local"), `display` replaces the command shown in them. `cleanup` commands run
 * even after an interrupt.
 */
export async function runCommand(
  command: readonly string[] | string,
  options: ExecOptions & { label?: string; display?: string; quiet?: boolean; holdStdin?: boolean } = {},
): Promise<ExecResult> {
  const activity = currentActivity();
  const shown = options.display ?? displayCommand(command);
  if (Array.isArray(command) && command.length === 0) throw new RigError("EXEC_FAILED", "exec(): empty command");
  // Cleanup (removing a build container after Ctrl-C) must still run once interrupted.
  const signal = options.cleanup ? undefined : activity?.signal;
  if (signal?.aborted) throw new RigError("INTERRUPTED", `${options.label ? `${options.label}: ` : ""}command interrupted: ${shown}`);
  const { execa } = await import("execa");
  // Everything this command starts carries its own scope marker too, so a cancelled or
  // timed-out command is stopped whole, even parts that left its process group (setsid).
  const scope = `RIGKIT_SUPERVISOR_SCOPE=${process.pid}.${++scopes}`;
  const common = {
    cwd: options.cwd,
    env: { ...options.env, RIGKIT_SUPERVISOR_SCOPE: scope.slice(scope.indexOf("=") + 1) },
    input: options.input,
    // holdStdin: a pipe left open while the command runs, so the far end sees EOF only
    // when this side goes away (the ssh provider stops remote commands that way).
    stdin: options.input !== undefined ? undefined : options.holdStdin ? ("pipe" as const) : ("ignore" as const),
    reject: false,
    detached: true, // its own process group (see signalGroup)
    // Output is streamed (to the activity's log) and only a bounded tail is kept here, so
    // rig's memory does not grow with a command's output (SPEC §10).
    buffer: false,
  };
  const child =
    typeof command === "string" ? execa(command, { ...common, shell: true }) : execa(command[0] as string, command.slice(1), common);
  const pid = child.pid;
  // Interrupted: SIGTERM to the group, SIGKILL after the grace period.
  const onAbort = () => {
    if (pid === undefined) return;
    signalGroup(pid, "SIGTERM");
    void stopMarked(scope, KILL_GRACE_MS);
    setTimeout(() => signalGroup(pid, "SIGKILL"), KILL_GRACE_MS).unref();
  };
  if (pid !== undefined) trackGroup(pid);
  signal?.addEventListener("abort", onAbort, { once: true });
  const captured = [new Capture(), new Capture()] as const;
  [child.stdout, child.stderr].forEach((stream, i) => {
    const capture = captured[i] as Capture;
    let partial = "";
    const log = activity && !options.quiet ? activity.log : null;
    stream?.on("data", (chunk: Buffer) => {
      capture.add(chunk);
      if (!log) return;
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) log(line.replace(/\r$/, ""));
    });
    stream?.on("end", () => log && partial && log(partial));
  });
  let result: Awaited<typeof child>;
  try {
    result = await child;
  } finally {
    if (pid !== undefined) runningGroups.delete(pid);
    signal?.removeEventListener("abort", onAbort);
  }
  const stdout = captured[0].text();
  const stderr = captured[1].text();
  const where = options.label ? `${options.label}: ` : "";
  if (signal?.aborted) {
    throw new RigError("INTERRUPTED", `${where}command interrupted: ${shown}`);
  }
  if (result.signal) {
    // Killed from outside (OOM killer, kill -9): say by what, and what it said last.
    throw new RigError("EXEC_FAILED", `${where}command killed by ${result.signal}: ${shown}`, { detail: tail(stderr || stdout) });
  }
  if (result.failed && result.exitCode === undefined) {
    const reason = (result as { code?: string }).code === "ENOENT" ? "command not found" : result.shortMessage;
    throw new RigError("EXEC_FAILED", `${where}cannot run ${shown}: ${reason}`, { detail: options.cwd ? [`cwd: ${options.cwd}`] : [] });
  }
  const exitCode = result.exitCode ?? 1;
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
  const { execa } = await import("execa");
  const result = await execa(argv[0] as string, argv.slice(1), { ...options, stdio: "inherit", reject: false });
  if (result.failed && result.exitCode === undefined) {
    throw new RigError("EXEC_FAILED", `cannot run ${displayCommand(argv)}: ${result.shortMessage}`);
  }
  return result.exitCode ?? 1;
}

function noTerminal(message: string): RigError {
  return new RigError("USAGE", `Cannot ask "${message}": no interactive terminal`, {
    detail: ["Pass the value as a flag, or run rig from a terminal."],
  });
}

async function clack() {
  return import("@clack/prompts");
}

async function answered<T>(value: T | symbol): Promise<Exclude<T, symbol>> {
  terminal.live?.resume();
  const { isCancel } = await clack();
  if (isCancel(value)) throw new RigError("INTERRUPTED", "Cancelled");
  return value as Exclude<T, symbol>;
}

const prompts: PromptApi = {
  async text(message, options = {}) {
    if (!terminal.canPrompt()) throw noTerminal(message);
    const { text } = await clack();
    terminal.live?.pause();
    return answered(
      await text({ message, placeholder: options.placeholder, initialValue: options.initial, validate: options.validate && ((v) => options.validate?.(v ?? "")) }),
    );
  },
  async confirm(message, options = {}) {
    if (!terminal.canPrompt()) throw noTerminal(message);
    const { confirm } = await clack();
    terminal.live?.pause();
    return answered(await confirm({ message, initialValue: options.initial ?? false }));
  },
  async select(message, choices) {
    if (!terminal.canPrompt()) throw noTerminal(message);
    const { select } = await clack();
    terminal.live?.pause();
    // biome-ignore lint: clack's option type is generic over the value.
    return answered(await select({ message, options: choices.map((value) => ({ value, label: value })) as any }));
  },
};

/** A prompt is only waiting: a signal there exits at once (SPEC §10). */
export const prompt: PromptApi = {
  text: (message, options) => prompting(() => prompts.text(message, options)),
  confirm: (message, options) => prompting(() => prompts.confirm(message, options)),
  select: (message, choices) => prompting(() => prompts.select(message, choices)),
};

/**
 * Commands a config asks to run on the host are shown, and confirmed on a TTY unless
 * RIGKIT_TRUST_HOST_COMMANDS=1. Without a TTY they are shown in the log and run: the
 * config author chose them, and scripts cannot answer a prompt.
 */
async function confirmHostCommand(command: readonly string[] | string): Promise<void> {
  const shown = displayCommand(command);
  currentActivity()?.log(`$ ${shown}`);
  if (process.env.RIGKIT_TRUST_HOST_COMMANDS === "1" || !terminal.canPrompt()) return;
  if (!(await prompt.confirm(`Run on this machine: ${shown}?`, { initial: true }))) {
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
  open: openUrl,
  prompt,
};
