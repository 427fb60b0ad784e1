/**
 * Commands in an instance through `POST /1.0/instances/{name}/exec` with
 * `wait-for-websocket`: one websocket per stream (stdin, stdout, stderr, and control for
 * signals and terminal size), the exit code in the finished operation's metadata. No
 * `lxc` binary and no network between here and the instance (docs/scale.md).
 *
 * Three ways: captured (tasks, `--json`), attached to the user's stdio (`rig exec`,
 * `rig forward`'s byte pipe), and a PTY for `rig shell` (raw terminal, resizes sent on
 * SIGWINCH, Ctrl-C travels as a byte to the shell's terminal like over ssh).
 */
import type { LxdClient, LxdOperation } from "./api.ts";

export interface ExecRequest {
  argv: readonly string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  user?: number;
  signal?: AbortSignal;
}

export interface Streams {
  /** Bytes for stdin (then EOF); or "inherit": this process's stdin; default: none. */
  stdin?: string | Uint8Array | "inherit";
  onStdout(chunk: Uint8Array): void;
  onStderr(chunk: Uint8Array): void;
}

const bytes = (data: unknown): Uint8Array => (data instanceof ArrayBuffer ? new Uint8Array(data) : typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(0));

/** Resolves when the socket is closed (or after `ms`, whichever is first). */
const closed = (ws: WebSocket, ms: number) =>
  new Promise<void>((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(resolve, ms);
    ws.addEventListener("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });

async function start(client: LxdClient, instance: string, request: ExecRequest, interactive: boolean, size?: { width: number; height: number }) {
  const environment = Object.fromEntries(Object.entries(request.env ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
  const answer = await client.request(
    "POST",
    `/1.0/instances/${encodeURIComponent(instance)}/exec`,
    {
      command: [...request.argv],
      environment,
      "wait-for-websocket": true,
      interactive,
      ...(size ? { width: size.width, height: size.height } : {}),
      ...(request.cwd ? { cwd: request.cwd } : {}),
      ...(request.user !== undefined ? { user: request.user } : {}),
    },
    request.signal,
  );
  const operation = answer.metadata as LxdOperation & { metadata: { fds: Record<string, string> } };
  return { operation, fds: operation.metadata.fds };
}

const exitCodeOf = (operation: LxdOperation): number => {
  const code = (operation.metadata as { return?: unknown } | null)?.return;
  return typeof code === "number" ? code : operation.status_code >= 400 ? 255 : 0;
};

/** Sends a signal to the command (on Ctrl-C or an abort). */
const sendSignal = (control: WebSocket, signal: number) => {
  if (control.readyState === WebSocket.OPEN) control.send(JSON.stringify({ command: "signal", signal }));
};

/** Runs a command with separate stdout/stderr; resolves to its exit code. */
export async function execStreams(client: LxdClient, instance: string, request: ExecRequest, streams: Streams): Promise<number> {
  const { operation, fds } = await start(client, instance, request, false);
  const [control, stdin, stdout, stderr] = await Promise.all(["control", "0", "1", "2"].map((fd) => client.websocket(operation.id, fds[fd] ?? "")));
  if (!control || !stdin || !stdout || !stderr) throw new Error("lxd: exec streams missing");
  stdout.onmessage = (m) => streams.onStdout(bytes(m.data));
  stderr.onmessage = (m) => streams.onStderr(bytes(m.data));
  const onAbort = () => sendSignal(control, 15);
  request.signal?.addEventListener("abort", onAbort, { once: true });
  const onInterrupt = () => sendSignal(control, 2);
  let stopInput = () => {};
  if (streams.stdin === "inherit") {
    process.on("SIGINT", onInterrupt);
    stopInput = pumpStdin(stdin);
  } else {
    if (streams.stdin !== undefined && streams.stdin.length > 0) stdin.send(typeof streams.stdin === "string" ? new TextEncoder().encode(streams.stdin) : (streams.stdin as Uint8Array<ArrayBuffer>));
    stdin.close();
  }
  try {
    const done = await client.wait(operation);
    // Output that arrived before the exit is flushed before the sockets close.
    await Promise.all([closed(stdout, 2000), closed(stderr, 2000)]);
    return exitCodeOf(done);
  } finally {
    stopInput();
    process.off("SIGINT", onInterrupt);
    request.signal?.removeEventListener("abort", onAbort);
    for (const ws of [control, stdin, stdout, stderr]) if (ws.readyState === WebSocket.OPEN) ws.close();
  }
}

/** This process's stdin into a websocket until EOF (then closes it); returns a stop function. */
function pumpStdin(target: WebSocket): () => void {
  const onData = (chunk: Buffer) => {
    if (target.readyState === WebSocket.OPEN) target.send(new Uint8Array(chunk));
  };
  const onEnd = () => {
    if (target.readyState === WebSocket.OPEN) target.close();
  };
  process.stdin.on("data", onData);
  process.stdin.once("end", onEnd);
  process.stdin.resume();
  return () => {
    process.stdin.off("data", onData);
    process.stdin.off("end", onEnd);
    process.stdin.pause();
    // A terminal or pipe left open would keep this process alive.
    if (!process.stdin.isTTY) process.stdin.destroy();
  };
}

/** Captured: `{ exitCode, stdout, stderr }`, with each chunk also passed to `onChunk` (for live logs). */
export async function execCaptured(
  client: LxdClient,
  instance: string,
  request: ExecRequest & { input?: string },
  onChunk?: (text: string, stream: "stdout" | "stderr") => void,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const decoder = () => new TextDecoder();
  const [outText, errText] = [decoder(), decoder()];
  const exitCode = await execStreams(client, instance, request, {
    stdin: request.input,
    onStdout: (chunk) => {
      out.push(chunk);
      onChunk?.(outText.decode(chunk, { stream: true }), "stdout");
    },
    onStderr: (chunk) => {
      err.push(chunk);
      onChunk?.(errText.decode(chunk, { stream: true }), "stderr");
    },
  });
  return { exitCode, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

/** Attached to this process's stdin/stdout/stderr; resolves to the exit code. */
export function execAttached(client: LxdClient, instance: string, request: ExecRequest): Promise<number> {
  return execStreams(client, instance, request, {
    stdin: "inherit",
    onStdout: (chunk) => process.stdout.write(chunk),
    onStderr: (chunk) => process.stderr.write(chunk),
  });
}

/** A PTY session on this terminal (`rig shell`): raw mode, resizes forwarded; the exit code. */
export async function execTerminal(client: LxdClient, instance: string, request: ExecRequest): Promise<number> {
  const size = () => ({ width: process.stdout.columns || 80, height: process.stdout.rows || 24 });
  const { operation, fds } = await start(client, instance, { ...request, env: { TERM: process.env.TERM ?? "xterm-256color", ...request.env } }, true, size());
  const [control, pty] = await Promise.all([client.websocket(operation.id, fds.control ?? ""), client.websocket(operation.id, fds["0"] ?? "")]);
  if (!control || !pty) throw new Error("lxd: terminal streams missing");
  pty.onmessage = (m) => process.stdout.write(bytes(m.data));
  const resize = () => {
    const { width, height } = size();
    if (control.readyState === WebSocket.OPEN) control.send(JSON.stringify({ command: "window-resize", args: { width: String(width), height: String(height) } }));
  };
  process.on("SIGWINCH", resize);
  const raw = process.stdin.isTTY === true;
  if (raw) process.stdin.setRawMode(true);
  const onData = (chunk: Buffer) => {
    if (pty.readyState === WebSocket.OPEN) pty.send(new Uint8Array(chunk));
  };
  process.stdin.on("data", onData);
  process.stdin.resume();
  try {
    const done = await client.wait(operation);
    await closed(pty, 1000);
    return exitCodeOf(done);
  } finally {
    process.off("SIGWINCH", resize);
    process.stdin.off("data", onData);
    if (raw) process.stdin.setRawMode(false);
    process.stdin.pause();
    for (const ws of [control, pty]) if (ws.readyState === WebSocket.OPEN) ws.close();
  }
}
