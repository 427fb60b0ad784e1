/**
 * Commands run *for the user* in a workspace (`rig exec`, `rig shell`): unlike the
 * captured commands of tasks (host/local.ts), they get the user's stdin, stdout and
 * stderr as they are, and their exit code is the result. Bun.spawn directly: `rig exec`
 * is called in loops by scripts and agents, and execa costs a few milliseconds to load.
 */
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
  signal?: AbortSignal;
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
let stdinMode: "inherit" | "ignore" = "inherit";
export const detachStdin = (): void => {
  stdinMode = "ignore";
};

/** True when stdin is a terminal: worth a `-t` for docker and ssh. */
export const stdinIsTerminal = (): boolean => stdinMode === "inherit" && isTTY(0);

/**
 * Runs argv; resolves to its exit code (128+n when killed by signal n, 127 when it does
 * not exist, as a shell would say).
 */
export async function attach(argv: readonly string[], options: AttachOptions = {}): Promise<AttachResult> {
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = Bun.spawn([...argv], {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : undefined,
      stdin: stdinMode,
      stdout: options.capture ? "pipe" : "inherit",
      stderr: options.capture ? "pipe" : "inherit",
    });
  } catch (error) {
    const message = `${argv[0]}: ${(error as { code?: string }).code === "ENOENT" ? "command not found" : String(error)}\n`;
    if (options.capture) return { exitCode: 127, stdout: "", stderr: message };
    writeErr(message);
    return { exitCode: 127 };
  }
  // Ctrl-C reaches the child through the terminal's process group; SIGTERM to rig does not.
  const onAbort = () => child.kill("SIGTERM");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const [stdout, stderr] = options.capture
      ? await Promise.all([collect(child.stdout as ReadableStream<Uint8Array>, "stdout", options.onOutput), collect(child.stderr as ReadableStream<Uint8Array>, "stderr", options.onOutput)])
      : [undefined, undefined];
    const code = await child.exited;
    const exitCode = child.signalCode ? 128 + (signalNumbers[child.signalCode] ?? 15) : code;
    return options.capture ? { exitCode, stdout, stderr } : { exitCode };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
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
