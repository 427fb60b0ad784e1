/**
 * A command in a workspace for `rig serve` and `rig mcp`: the engine's `exec` (the same
 * as `rig exec --json`), plus what clients ask of it — a working directory inside the
 * workspace, a shell string, and a time limit after which the command and every process
 * it started are gone, inside a container or on an ssh host too: the command runs in its
 * own session there and a watcher in the workspace ends that session at the limit (a
 * client-side kill would only end `docker exec` or `ssh`, not what they started).
 */
import * as engine from "../engine/api.ts";
import type { RigEvent } from "../engine/events.ts";
import type { ProjectOptions } from "../engine/project/locate.ts";
import { RigError } from "../errors.ts";
import { type StreamEvent, EventLog, sseResponse } from "./runs.ts";

export interface ExecRequest {
  argv?: string[];
  command?: string;
  /** Relative to the workspace's directory; `..` and absolute paths are refused. */
  cwd?: string;
  timeoutMs?: number;
}

export interface ExecReply {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

/** The exit code of a command stopped at its time limit (as timeout(1) has it). */
export const TIMED_OUT = 124;

/** A relative path with no `..`: the workspace's directory or one below it. */
export function checkRelative(path: string, what: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (path.startsWith("/") || parts.includes("..") || path.includes("\0")) {
    throw new RigError("INVALID_INPUT", `${what} must be a path inside the workspace (relative, without ..): ${JSON.stringify(path)}`);
  }
  return parts.join("/") || ".";
}

/**
 * The argv run in the workspace: with a directory and/or a time limit, a small sh script
 * that enters the directory, starts the command in a new session and, at the limit,
 * ends that session (TERM, then KILL 2 s later).
 */
export function wrap(request: ExecRequest): string[] {
  const argv = request.command !== undefined ? ["sh", "-c", request.command] : (request.argv ?? []);
  if (argv.length === 0) throw new RigError("INVALID_INPUT", "Give the command to run: argv or command");
  const cwd = request.cwd === undefined ? "." : checkRelative(request.cwd, "cwd");
  if (cwd === "." && request.timeoutMs === undefined) return argv;
  const seconds = request.timeoutMs === undefined ? 0 : Math.max(1, Math.ceil(request.timeoutMs / 1000));
  const script = [
    'cd -- "$1" || exit 126',
    "shift",
    `t=${seconds}`,
    'if [ "$t" = 0 ]; then exec "$@"; fi',
    // setsid: the command leads its own session and process group, so one kill ends everything it started.
    'if command -v setsid >/dev/null 2>&1; then setsid "$@" </dev/null & else "$@" </dev/null & fi',
    "p=$!",
    // `kill -TERM -<pgid>`: the one spelling dash, bash and busybox all take for a process group.
    'if command -v setsid >/dev/null 2>&1; then setsid sh -c "sleep $t; kill -TERM -$p 2>/dev/null || kill -TERM $p; sleep 2; kill -KILL -$p 2>/dev/null || kill -KILL $p" >/dev/null 2>&1 </dev/null &',
    'else sh -c "sleep $t; kill -TERM $p; sleep 2; kill -KILL $p" >/dev/null 2>&1 </dev/null & fi',
    "w=$!",
    "wait $p; s=$?",
    // The watcher's session (its sleep included) goes too; and whatever the command left behind.
    "kill -TERM -$w 2>/dev/null || kill -TERM $w 2>/dev/null",
    "kill -KILL -$p 2>/dev/null",
    "exit $s",
  ].join("\n");
  return ["sh", "-c", script, "rig-exec", cwd, ...argv];
}

/** Runs the request; a command past its limit answers exit code 124 and `timedOut`. */
export async function runExec(options: ProjectOptions, workspace: string, request: ExecRequest, call: { signal: AbortSignal; events?: (event: RigEvent) => void }): Promise<ExecReply> {
  const started = performance.now();
  const result = await engine.exec(options, { workspace, command: wrap(request) }, { signal: call.signal, events: call.events, prompter: null });
  const limit = request.timeoutMs;
  if (limit !== undefined && performance.now() - started >= limit && result.exitCode !== 0) {
    return { ...result, exitCode: TIMED_OUT, timedOut: true };
  }
  return result;
}

/** `POST /workspaces/:name/exec`: the result, or (stream) its events as server-sent events. */
export async function execIn(options: ProjectOptions, workspace: string, request: ExecRequest, how: { stream: boolean; signal: AbortSignal }): Promise<ExecReply | Response> {
  wrap(request); // bad input fails before anything starts
  if (!how.stream) return runExec(options, workspace, request, { signal: how.signal });
  const log = new EventLog();
  const events = (event: RigEvent) => log.push(event.type, event);
  runExec(options, workspace, request, { signal: how.signal, events }).then(
    (result) => {
      if (result.timedOut) log.push("exec.exit", { type: "exec.exit", workspace, exitCode: result.exitCode, timedOut: true });
    },
    (error: unknown) => {
      const rig = error instanceof RigError ? error : null;
      log.push("error", { error: { code: rig?.code ?? "EXEC_FAILED", message: (error as Error).message, detail: rig?.detail ?? [] } });
    },
  ).finally(() => log.close());
  return sseResponse(log, 0, how.signal);
}

export type { StreamEvent };
