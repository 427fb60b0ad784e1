/** Types shared by the authoring API, the engine and providers. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Anything with zod's `parse`/`safeParse` shape can validate a task's output. */
export interface OutputSchema<T = unknown> {
  parse(value: unknown): T;
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown };
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Text written to the command's stdin. */
  input?: string;
  /** Throw when the command exits non-zero (default true). */
  reject?: boolean;
  /** Run even after Ctrl-C (for cleanup in a `finally`); other commands are refused then. */
  cleanup?: boolean;
}

export interface ExecResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface PromptApi {
  /** `validate` returns an error message, or nothing when the answer is acceptable. */
  text(message: string, options?: { placeholder?: string; initial?: string; validate?: (value: string) => string | undefined }): Promise<string>;
  confirm(message: string, options?: { initial?: boolean }): Promise<boolean>;
  select<T extends string>(message: string, choices: readonly T[]): Promise<T>;
}

/** `local.command(…)`: upstream rigkit's form of a host command. */
export interface HostCommand {
  argv: readonly string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** `capture` collects the output; `interactive` attaches the user's terminal. */
  mode: "capture" | "interactive";
  /** Why the config runs it: shown when the command is confirmed. */
  reason?: string;
}

/** A host command's outcome; a non-zero exit is reported, not thrown (`ok` is false). */
export interface HostCommandResult extends ExecResult {
  ok: boolean;
}

/** Host capabilities (README "The config"), given to tasks, hooks, operations and providers. */
export interface HostCapabilities {
  /** Runs a command (argv array, or a shell command string) and captures its output. */
  exec(command: readonly string[] | string, options?: ExecOptions): Promise<ExecResult>;
  /** Runs a command attached to the user's terminal; resolves to its exit code. */
  interactive(argv: readonly string[], options?: { cwd?: string; env?: Record<string, string | undefined> }): Promise<number>;
  /** Runs `argv` on this machine, captured or attached to the terminal (stdout/stderr empty then). */
  command(spec: HostCommand): Promise<HostCommandResult>;
  /** Opens a URL in the browser, or prints it when there is no desktop. */
  open(url: string): Promise<void>;
  prompt: PromptApi;
}

export interface StepApi<Ctx> {
  /** The incoming context. */
  readonly ctx: Ctx;
  /** This task's node path, e.g. `base/tools`. */
  readonly path: string;
  /** Attaches JSON metadata to this task's run record. */
  metadata(data: JsonObject): void;
  /** Marks the cached run of earlier task `taskId` stale and restarts evaluation from it. */
  invalidate(taskId: string): void;
}

export interface TaskArgs<Ctx, P, C> {
  step: StepApi<Ctx>;
  providers: P;
  config: C;
  local: HostCapabilities;
  /** Aborted when the user interrupts the apply. */
  signal: AbortSignal;
}

export type Awaitable<T> = T | Promise<T>;
// `void` is what a handler that returns nothing has.
export type TaskReturn<Out> = { ctx: Out } | undefined | void;
export type TaskHandler<Ctx, P, C, Out> = (args: TaskArgs<Ctx, P, C>) => Awaitable<TaskReturn<Out>>;

export interface TaskOptions {
  /** Bump to force a rerun. */
  version?: string;
  /** Milliseconds, or "500ms" | "30s" | "10m" | "2h" | "7d"; 0 runs on every apply. */
  cacheTTL?: number | string;
  /** Validates the returned context (fresh: failure fails the task; cached: failure reruns it). */
  output?: OutputSchema;
  /**
   * Files whose content is part of the cache key: globs relative to the config's directory
   * (`["package.json", "src/**"]`). `.rigkit/`, `.git/` and git-ignored files are left out.
   */
  inputs?: readonly string[];
  description?: string;
  /** A duration (ms or "30s", "10m"): the task's process tree is stopped and it fails with TIMEOUT. */
  timeout?: number | string;
  /** Runs a failed or timed-out task again, up to this many times, after 1 s, 2 s, 4 s… */
  retries?: number;
}

export interface WorkflowInfo<Ctx = JsonObject, C = JsonObject> {
  name: string;
  /** The workflow's final context as of the last apply. */
  ctx: Ctx;
  config: C;
}

export interface WorkspaceRef<WCtx = JsonObject> {
  name: string;
  ctx: WCtx;
  /**
   * Records part of the workspace context while `create` is still running (resource
   * ids as soon as they exist), so a failed or killed create can be cleaned up.
   */
  record(partial: JsonObject): void;
}

export interface WorkspaceHookArgs<Ctx, P, C, WCtx = JsonObject> {
  workflow: WorkflowInfo<Ctx, C>;
  workspace: WorkspaceRef<WCtx>;
  providers: P;
  local: HostCapabilities;
  signal: AbortSignal;
}

export interface WorkspaceHooks<Ctx, P, C, WCtx extends object> {
  /** `workspace.ctx` holds what the hook recorded so far (typed loosely: WCtx is inferred from the result). */
  create: (args: WorkspaceHookArgs<Ctx, P, C, JsonObject>) => Awaitable<WCtx>;
  remove?: (args: WorkspaceHookArgs<Ctx, P, C, WCtx>) => Awaitable<unknown>;
  /** A time limit for each hook call (ms or "30s", "10m"): past it, TIMEOUT. */
  timeout?: number | string;
  /** `rig start`: runs after the provider started the workspace's machines. */
  start?: (args: WorkspaceHookArgs<Ctx, P, C, WCtx>) => Awaitable<unknown>;
  /** `rig stop` (and an expired lease with `onExpiry: "stop"`): runs before the provider stops them. */
  stop?: (args: WorkspaceHookArgs<Ctx, P, C, WCtx>) => Awaitable<unknown>;
  /** A lease for new workspaces ("4h", "30m"); `rig create --ttl` overrides it, `rig gc` ends it. */
  ttl?: string;
  /** What `rig gc` does when the lease runs out (default "remove"). */
  onExpiry?: "stop" | "remove";
}

/** The minimal zod-object surface operation inputs use. */
export interface InputSchema<I = unknown> extends OutputSchema<I> {
  shape: Record<string, unknown>;
}

export interface WorkspaceOperationArgs<Ctx, P, C, I, WCtx = JsonObject> extends WorkspaceHookArgs<Ctx, P, C, WCtx> {
  input: I;
}

export interface OperationArgs<Ctx, P, C, I> {
  workflow: WorkflowInfo<Ctx, C>;
  input: I;
  providers: P;
  local: HostCapabilities;
  signal: AbortSignal;
}

export interface WorkspaceOperationDef<Ctx, P, C, I, WCtx = JsonObject> {
  /** A short human name, shown in help and `rig ls config`. */
  title?: string;
  description?: string;
  /** A time limit (ms or "30s", "10m"): past it, TIMEOUT. */
  timeout?: number | string;
  input?: InputSchema<I>;
  run: (args: WorkspaceOperationArgs<Ctx, P, C, I, WCtx>) => Awaitable<unknown>;
}

export interface OperationDef<Ctx, P, C, I> {
  /** A short human name, shown in help and `rig ls config`. */
  title?: string;
  description?: string;
  /** A time limit (ms or "30s", "10m"): past it, TIMEOUT. */
  timeout?: number | string;
  input?: InputSchema<I>;
  run: (args: OperationArgs<Ctx, P, C, I>) => Awaitable<unknown>;
}
