/**
 * A command in a container through the Engine API on its unix socket, for commands that
 * get no stdin: those `rig serve` and `rig mcp` run (their stdin is not a user's), and
 * `rig exec`'s when rig's own stdin is /dev/null or closed. `docker exec` spends some
 * 100 ms starting the CLI before the engine does anything; the three requests here
 * (create the exec, start it and read its multiplexed output, ask its exit code) take a
 * few. A command that may read stdin keeps `docker exec -i`, which passes it on.
 *
 * Also the recorded way `rig exec` reaches a container without loading the config
 * (`runAccess`, docs/providers.md "access"): it answers null, and the recorded argv runs,
 * whenever stdin may hold something for the command or the engine cannot be asked.
 */
import type { AccessRunner, ResourceAccess } from "../../sdk/provider.ts";

export interface ApiExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

type Stream = "stdout" | "stderr";

/** The output frames of a non-TTY exec: a byte for the stream (1 out, 2 err), three zero bytes, a big-endian length, then that many bytes. */
class Demux {
  private pending = new Uint8Array(0);
  private readonly decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  readonly text = { stdout: "", stderr: "" };

  constructor(private readonly onOutput?: (stream: Stream, text: string) => void) {}

  push(chunk: Uint8Array): void {
    const bytes = new Uint8Array(this.pending.length + chunk.length);
    bytes.set(this.pending);
    bytes.set(chunk, this.pending.length);
    let at = 0;
    while (bytes.length - at >= 8) {
      const size = new DataView(bytes.buffer, bytes.byteOffset + at + 4, 4).getUint32(0);
      if (bytes.length - at - 8 < size) break;
      const stream: Stream = bytes[at] === 2 ? "stderr" : "stdout";
      this.emit(stream, this.decoders[stream].decode(bytes.subarray(at + 8, at + 8 + size), { stream: true }));
      at += 8 + size;
    }
    this.pending = bytes.slice(at);
  }

  end(): void {
    for (const stream of ["stdout", "stderr"] as const) this.emit(stream, this.decoders[stream].decode());
  }

  private emit(stream: Stream, text: string): void {
    if (text === "") return;
    this.text[stream] += text;
    this.onOutput?.(stream, text);
  }
}

/**
 * Runs argv in the container (its working directory, user and environment), without
 * stdin; null when the engine cannot be asked or refuses (no such container, not
 * running): the caller then runs `docker exec`, whose message says why.
 */
export async function apiExec(
  socket: string,
  container: string,
  argv: readonly string[],
  run: { signal: AbortSignal; onOutput?: (stream: Stream, text: string) => void },
): Promise<ApiExecResult | null> {
  const post = (path: string, body: unknown) =>
    fetch(`http://docker${path}`, { method: "POST", unix: socket, signal: run.signal, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  let id: string;
  try {
    const created = await post(`/containers/${encodeURIComponent(container)}/exec`, { AttachStdout: true, AttachStderr: true, Cmd: argv });
    if (created.status !== 201) return null;
    id = ((await created.json()) as { Id: string }).Id;
  } catch (error) {
    if (run.signal.aborted) throw error;
    return null; // no engine at the socket, or no permission: the CLI says which
  }
  // Created: from here on it may have run, so a failure is its result, never a second run.
  try {
    const started = await post(`/exec/${id}/start`, { Detach: false, Tty: false });
    const demux = new Demux(run.onOutput);
    if (started.body) for await (const chunk of started.body) demux.push(chunk);
    demux.end();
    // The stream ends as the process does; the engine may take a moment to record its code.
    for (let attempt = 0; ; attempt++) {
      const state = (await (await fetch(`http://docker/exec/${id}/json`, { unix: socket, signal: run.signal })).json()) as { Running?: boolean; ExitCode?: number | null };
      if ((!state.Running && typeof state.ExitCode === "number") || attempt >= 50) return { exitCode: state.ExitCode ?? 255, ...demux.text };
      await Bun.sleep(10);
    }
  } catch (error) {
    if (run.signal.aborted) throw error;
    return { exitCode: 255, stdout: "", stderr: `rig: the Docker engine stopped answering: ${(error as Error).message}\n` };
  }
}

/** The recorded access of a container on a local engine: the CLI's argv, and this module for stdin-less runs. */
export function execAccess(argv: string[], socket: string | null, container: string, env: Record<string, string> | undefined): ResourceAccess {
  return { argv, ...(env ? { env } : {}), ...(socket ? { module: import.meta.path, data: { socket, container } } : {}) };
}

/** Whether this process's stdin is /dev/null or closed: nothing a command could read from it. */
function stdinEmpty(): boolean {
  const fs = require("node:fs") as typeof import("node:fs"); // only here: node:fs costs a few ms to load
  try {
    const stdin = fs.fstatSync(0);
    return stdin.isCharacterDevice() && stdin.rdev === fs.statSync("/dev/null").rdev;
  } catch {
    return true; // fd 0 is not open
  }
}

/**
 * `detachStdin()`'s flag (src/host/attach.ts), read where it lives rather than by importing
 * that module, whose imports would cost `rig exec` several ms before anything runs.
 */
const stdinDetached = (): boolean => (globalThis as Record<symbol, unknown>)[Symbol.for("rigkit.stdin.detached")] === true;

export const runAccess: AccessRunner = async (access, argv, run) => {
  const { socket, container } = access.data ?? {};
  if (!socket || !container) return null;
  // The user's stdin may be meant for the command: only `docker exec -i` passes it on.
  if (!stdinDetached() && !stdinEmpty()) return null;
  if (run.capture) return apiExec(socket, container, argv, run);
  // `rig exec` without --json: the output goes straight to ours, as it comes.
  const write = (stream: Stream, text: string) => (stream === "stdout" ? process.stdout : process.stderr).write(text);
  const result = await apiExec(socket, container, argv, { signal: run.signal, onOutput: write });
  return result && { exitCode: result.exitCode };
};
