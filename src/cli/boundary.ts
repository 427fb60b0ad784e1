/**
 * The error boundary: runs the CLI and turns whatever it throws into an exit code and a
 * one-line message (plus indented detail; a stack trace only with RIGKIT_DEBUG=1).
 * Everything below throws typed errors (src/errors.ts); only main.ts exits.
 */
import { RigError, isRigError, messageOf } from "../errors.ts";
import { writeErr } from "../host/io.ts";

/** The machine's problems (disk full, permissions), said in one line without a stack. */
const ENVIRONMENT: Record<string, string> = {
  ENOSPC: "No space left on the device",
  EDQUOT: "Disk quota exceeded",
  SQLITE_FULL: "No space left on the device for the state file",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EROFS: "The file system is read-only",
  SQLITE_READONLY: "The state file is read-only",
  SQLITE_CANTOPEN: "The state file cannot be opened",
  EMFILE: "Too many open files",
};

/** Maps anything thrown to a RigError; SQLite failures are state-file problems. */
function normalise(error: unknown): RigError {
  if (isRigError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const plain = typeof code === "string" ? ENVIRONMENT[code.replace(/^(SQLITE_[A-Z]+).*$/, "$1")] : undefined;
  if (plain) {
    const path = (error as { path?: unknown }).path;
    return new RigError("STATE_ERROR", `${plain}${typeof path === "string" ? `: ${path}` : ""}`, {
      detail: [`(${code}) ${messageOf(error)}`, "Free some space or fix the permissions, then run rig again; finished work is kept."],
      cause: error,
    });
  }
  if (typeof code === "string" && code.startsWith("SQLITE_")) {
    return new RigError("STATE_ERROR", `The state file could not be used: ${messageOf(error)}`, {
      detail: ["If it is damaged, move .rigkit/state.sqlite aside and run rig again."],
      cause: error,
    });
  }
  return new RigError("TASK_FAILED", `Internal error: ${messageOf(error)}`, {
    detail: ["This is a bug in rig; run with RIGKIT_DEBUG=1 for a stack trace and report it."],
    cause: error,
  });
}

function report(error: RigError, json: boolean, ui: typeof import("./ui.ts")): void {
  if (process.env.RIGKIT_DEBUG === "1") {
    let current: unknown = error;
    while (current) {
      writeErr(`${current instanceof Error ? current.stack : String(current)}\n`);
      current = current instanceof Error ? current.cause : undefined;
    }
  }
  if (json) {
    writeErr(`${JSON.stringify({ error: { code: error.code, message: error.message, detail: error.detail, ...error.subject } })}\n`);
    return;
  }
  const { err } = ui;
  const c = err.colors;
  // Cancelling is the user's choice, not a failure: no red "error".
  err.line(error.code === "INTERRUPTED" ? c.yellow(error.message) : `${c.red(c.bold("error"))} ${error.message}`);
  for (const line of error.detail) err.line(`  ${c.dim(line)}`);
}

export async function main(argv: string[], signal: AbortSignal): Promise<number> {
  const json = argv.slice(0, argv.includes("--") ? argv.indexOf("--") : undefined).includes("--json");
  const ui = await import("./ui.ts");
  try {
    const { runCli } = await import("./dispatch.ts");
    const code = await runCli(argv, signal);
    if (signal.aborted) throw new RigError("INTERRUPTED", "Interrupted");
    return code;
  } catch (error) {
    const failure = normalise(signal.aborted && !isRigError(error) ? new RigError("INTERRUPTED", "Interrupted") : error);
    report(failure, json, ui);
    return failure.exitCode;
  }
}
