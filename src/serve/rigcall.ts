/**
 * Commands the server runs as `rig … --json` child processes (create, rm, stop, start,
 * operations, ls, log): the CLI's own code path with its locks and recovery, and the
 * exact `--json` document it prints. Their effects on the state file reach the event
 * stream through the state watcher (src/serve/watch.ts), as a terminal's would.
 */
import { join } from "node:path";
import { RigError } from "../errors.ts";
import type { ProjectOptions } from "../engine/locate.ts";

const RIG = join(import.meta.dir, "..", "..", "bin", "rig");

export interface RigCallError {
  status: number;
  body: { error: { code: string; message: string; detail?: string[] } };
}

/** The CLI's exit code and error code → an HTTP status. */
function httpStatus(exitCode: number, code: string): number {
  if (code.startsWith("UNKNOWN_WORKSPACE") || code === "UNKNOWN_WORKFLOW" || code === "UNKNOWN_OPERATION") return 404;
  if (code === "LOCKED" || code === "WORKSPACE_EXISTS" || code === "WORKSPACE_NOT_READY") return 409;
  if (exitCode === 2) return 400;
  if (exitCode === 130) return 409;
  return 500;
}

export async function rigJson(options: ProjectOptions, args: string[], signal?: AbortSignal): Promise<unknown> {
  const globals = ["--chdir", options.cwd, ...(options.config ? ["--config", options.config] : []), ...(options.state ? ["--state", options.state] : [])];
  const child = Bun.spawn([RIG, ...globals, "--json", ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    signal,
    env: { ...process.env, RIGKIT_NO_BROWSER: "1", NO_COLOR: "1" },
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (exitCode === 0) return stdout.trim() === "" ? null : JSON.parse(stdout);
  const last = stderr.trim().split("\n").pop() ?? "";
  let body: RigCallError["body"];
  try {
    body = JSON.parse(last);
  } catch {
    body = { error: { code: "FAILED", message: last || `rig ${args[0]} exited with ${exitCode}` } };
  }
  // An operation whose command failed still printed its result: it is the answer.
  if (stdout.trim() !== "" && exitCode !== 2) {
    try {
      return JSON.parse(stdout);
    } catch {
      // not JSON: the error below
    }
  }
  throw Object.assign(new RigError("TASK_FAILED", body.error.message), { http: { status: httpStatus(exitCode, body.error.code), body } satisfies RigCallError });
}

/** The HTTP answer for an error thrown by rigJson (or any other). */
export function errorAnswer(error: unknown): RigCallError {
  const http = (error as { http?: RigCallError }).http;
  if (http) return http;
  const code = (error as { code?: string }).code ?? "FAILED";
  return { status: code === "USAGE" || code === "CONFIG_ERROR" ? 400 : code.startsWith("UNKNOWN") ? 404 : 500, body: { error: { code, message: (error as Error).message ?? String(error) } } };
}
