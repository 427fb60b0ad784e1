/**
 * Typed errors. Everything below the CLI throws a `RigError`; `src/cli/main.ts` is the
 * one place that turns it into an exit code and a one-line message.
 *
 * Exit codes (README "Scripting"): 0 success, 1 a task/hook/operation/provider failed,
 * 2 usage, validation or config error, 130 interrupted.
 */
export type ErrorCode =
  | "USAGE"
  | "INVALID_NAME"
  | "INVALID_INPUT"
  | "UNKNOWN_COMMAND"
  | "UNKNOWN_WORKFLOW"
  | "UNKNOWN_WORKSPACE"
  | "UNKNOWN_OPERATION"
  | "WORKSPACE_EXISTS"
  | "CONFIRMATION_REQUIRED"
  | "CONFIG_NOT_FOUND"
  | "CONFIG_ERROR"
  | "STATE_ERROR"
  | "LOCKED"
  | "TASK_FAILED"
  | "HOOK_FAILED"
  | "OPERATION_FAILED"
  | "PROVIDER_FAILED"
  | "EXEC_FAILED"
  | "WORKSPACE_NOT_READY"
  | "PROVIDER_UNAVAILABLE"
  | "TIMEOUT"
  | "NOT_A_GIT_REPOSITORY"
  | "MERGE_CONFLICT"
  | "INTERRUPTED";

const exitCodes: Record<ErrorCode, number> = {
  USAGE: 2,
  INVALID_NAME: 2,
  INVALID_INPUT: 2,
  UNKNOWN_COMMAND: 2,
  UNKNOWN_WORKFLOW: 2,
  UNKNOWN_WORKSPACE: 2,
  UNKNOWN_OPERATION: 2,
  WORKSPACE_EXISTS: 2,
  CONFIRMATION_REQUIRED: 2,
  CONFIG_NOT_FOUND: 2,
  CONFIG_ERROR: 2,
  // A state file we refuse to touch is the user's environment, not their input.
  STATE_ERROR: 1,
  LOCKED: 1,
  TASK_FAILED: 1,
  HOOK_FAILED: 1,
  OPERATION_FAILED: 1,
  PROVIDER_FAILED: 1,
  EXEC_FAILED: 1,
  WORKSPACE_NOT_READY: 1,
  PROVIDER_UNAVAILABLE: 1,
  TIMEOUT: 1,
  // `rig merge` outside a git repository is a usage error; changes that do not apply fail.
  NOT_A_GIT_REPOSITORY: 2,
  MERGE_CONFLICT: 1,
  INTERRUPTED: 130,
};

/** What an error is about, carried into the `--json` error document (README "Scripting"). */
export interface ErrorSubject {
  /** "workflow/path" of a task. */
  task?: string;
  workspace?: string;
  provider?: string;
}

export interface RigErrorOptions extends ErrorSubject {
  /** Indented lines shown under the message (stderr tail, choices, hints). */
  detail?: string[];
  cause?: unknown;
}

export class RigError extends Error {
  readonly code: ErrorCode;
  readonly detail: string[];
  readonly subject: ErrorSubject;

  constructor(code: ErrorCode, message: string, options: RigErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RigError";
    this.code = code;
    this.detail = options.detail ?? [];
    // Inherited from a wrapped RigError, so a provider named deep down is still named.
    const inner = options.cause instanceof RigError ? options.cause.subject : {};
    this.subject = {
      ...inner,
      ...(options.task !== undefined && { task: options.task }),
      ...(options.workspace !== undefined && { workspace: options.workspace }),
      ...(options.provider !== undefined && { provider: options.provider }),
    };
  }

  get exitCode(): number {
    return exitCodes[this.code];
  }
}

/** Inner codes a task, hook or operation failure keeps instead of folding them (README "Scripting"). */
export const KEPT_CODES: readonly ErrorCode[] = ["TIMEOUT", "PROVIDER_UNAVAILABLE", "WORKSPACE_NOT_READY"];

export const isRigError = (error: unknown): error is RigError => error instanceof RigError;

/** The message of anything thrown, without assuming it is an Error. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
