/**
 * Commands run *for the user* in a workspace (`rig exec`, `rig shell`): unlike the
 * captured commands of tasks (host/local.ts), they get the user's stdin, stdout and
 * stderr as they are, and their exit code is the result. Bun.spawn directly: `rig exec`
 * is called in loops by scripts and agents, and execa costs a few milliseconds to load.
 */
import { RigError } from "../errors.ts";
import { type IsolationPlan, spawnIsolated } from "./isolate.ts";
import { isTTY, writeErr } from "./io.ts";
import { shq } from "./stoppable.ts";

/** Shell: `cd dir`, or say the directory is missing and exit 254 (255 is ssh's own failure). */
export const enterDir = (dir: string): string =>
  `cd ${shq(dir)} 2>/dev/null || { echo ${shq(`rig: ${dir} is missing on this host`)} >&2; exit 254; }`;

export interface AttachOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Return stdout and stderr instead of passing them through (`--json`). */
  capture?: boolean;
  /** Each line of output as it comes; stdin is then /dev/null (several commands run at once). */
  output?: (stream: "stdout" | "stderr", line: string) => void;
  signal?: AbortSignal;
  /** A local workspace's view of the machine (src/host/isolate.ts). */
  isolate?: IsolationPlan;
  /** With `capture`: each piece of output as it comes (`rig serve`'s streamed exec). */
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
}

export interface AttachResult {
  exitCode: number;
  stdout?: string;
  stderr?: string;
}

/**
 * Front ends with no user at rig's stdin (`rig serve`, and `rig mcp`, whose stdin is the
 * protocol) give the commands they run no stdin: a `cat` or a `docker exec -i` would
 * otherwise read what is not theirs.
 */
// Kept on globalThis, not in this module: a module rig imports by path at run time (an
// `access.module`, src/engine/workspaces/quickexec.ts) has its own copy of this one
// beside the prebuilt bundle's, and both must see the same answer.
const DETACHED = Symbol.for("rigkit.stdin.detached");
const detached = (): boolean => (globalThis as Record<symbol, unknown>)[DETACHED] === true;
export const detachStdin = (): void => {
  (globalThis as Record<symbol, unknown>)[DETACHED] = true;
};

/** True when the commands rig runs get no stdin (`detachStdin`): nothing of theirs is lost without it. */
export const stdinDetached = (): boolean => detached();

/** True when stdin is a terminal: worth a `-t` for docker and ssh. */
export const stdinIsTerminal = (): boolean => !detached() && isTTY(0);

/**
 * Runs argv; resolves to its exit code (128+n when killed by signal n, 127 when it does
 * not exist, as a shell would say).
 */
export async function attach(argv: readonly string[], options: AttachOptions = {}): Promise<AttachResult> {
  let child: ReturnType<typeof Bun.spawn>;
  try {
    const piped = options.capture || options.output;
    const spawn = (request: { argv: string[]; env?: Record<string, string | undefined> }) =>
      Bun.spawn(request.argv, {
        cwd: options.cwd,
        env: request.env as Record<string, string> | undefined,
        stdin: options.output || detached() ? "ignore" : "inherit",
        stdout: piped ? "pipe" : "inherit",
        stderr: piped ? "pipe" : "inherit",
      });
    const env = options.env ? { ...process.env, ...options.env } : undefined;
    child = options.isolate ? spawnIsolated(options.isolate, { argv: [...argv], env: env ?? process.env }, spawn) : spawn({ argv: [...argv], env });
  } catch (error) {
    if (error instanceof RigError) throw error; // the workspace cannot be isolated here
    const message = `${argv[0]}: ${(error as { code?: string }).code === "ENOENT" ? "command not found" : String(error)}\n`;
    if (options.capture) return { exitCode: 127, stdout: "", stderr: message };
    writeErr(message);
    return { exitCode: 127 };
  }
  // Ctrl-C reaches the child through the terminal's process group; SIGTERM to rig does not.
  const onAbort = () => child.kill("SIGTERM");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const read = (stream: unknown, name: "stdout" | "stderr") =>
      options.output
        ? lines(stream as ReadableStream<Uint8Array>, (line) => options.output?.(name, line), options.capture === true)
        : collect(stream as ReadableStream<Uint8Array>, name, options.onOutput);
    const [stdout, stderr] =
      options.capture || options.output ? await Promise.all([read(child.stdout, "stdout"), read(child.stderr, "stderr")]) : [undefined, undefined];
    const code = await child.exited;
    const exitCode = child.signalCode ? 128 + (signalNumbers[child.signalCode] ?? 15) : code;
    return options.capture ? { exitCode, stdout, stderr } : { exitCode };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** Reads a stream line by line into `each`; returns the whole text when `keep`, else "". */
async function lines(stream: ReadableStream<Uint8Array>, each: (line: string) => void, keep: boolean): Promise<string> {
  const decoder = new TextDecoder();
  let partial = "";
  let kept = "";
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    if (keep) kept += text;
    const split = (partial + text).split("\n");
    partial = split.pop() ?? "";
    for (const line of split) each(line.replace(/\r$/, ""));
  }
  const rest = partial + decoder.decode();
  if (keep) kept += rest.slice(partial.length);
  if (rest) each(rest);
  return kept;
}

const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };

/** A captured stream's text, told piece by piece to `onOutput` as it arrives. */
async function collect(stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr", onOutput?: AttachOptions["onOutput"]): Promise<string> {
  if (!onOutput) return new Response(stream).text();
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    const piece = decoder.decode(chunk, { stream: true });
    if (piece) {
      text += piece;
      onOutput(name, piece);
    }
  }
  const last = decoder.decode();
  if (last) {
    text += last;
    onOutput(name, last);
  }
  return text;
}
