/** The provider API (README "The config"): `defineProvider({ id, configSchema?, create })`. */
import type { IsolationPlan } from "../host/isolate.ts";
import type { Resolvable } from "./env.ts";
import type { Awaitable, HostCapabilities, Json, JsonObject, OutputSchema } from "./types.ts";
import { type BaseProviderPlugin, upstreamSpec } from "./upstream-provider.ts";

/** A JSON key-value store; `storage` is per project, `hostStorage` per user. */
export interface KeyValueStore {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  entries<T = unknown>(prefix?: string): [string, T][];
}

export interface ProjectInfo {
  /**
   * This project's id, kept in the state file; for new state files derived
   * from `dir`, so it survives the loss of the state file. Label and mark resources with it.
   */
  id: string;
  /** Directory holding the config file. */
  root: string;
  /** The real path of `root`: label and mark resources with it too (docs/providers.md). */
  dir: string;
  /** The project's `.rigkit/` directory. */
  stateDir: string;
}

/**
 * A resource a provider made for one workspace: a directory, a container, a directory on
 * a host. The provider `claim()`s it *before* making it, so the record exists even if rig
 * is killed half-way; rig keeps it in the state file (with the name the provider was
 * added under) and hands it back to the controller's workspace methods (`status`, `stop`,
 * `start`, `exec`, …) and to `destroy` on `rm --force` of a workspace whose workflow is gone.
 */
export interface WorkspaceResource {
  /** What it is, in the provider's own words: "dir", "container", "remote-dir". */
  kind: string;
  /** How a person recognises it, unique within the provider: a path, a container name, `host:path`. */
  id: string;
  /**
   * Optional: how to run a command in it without the provider's code, so `rig exec` can
   * skip loading the config. `cwd` alone: run on this machine there. `argv`: run
   * `[...argv, ...command]` (e.g. `docker exec -i <name>`); with `shell`, the command is
   * passed as one shell string that first changes to `cwd` (e.g. `ssh <host> --`).
   * The provider's own `exec` stays the reference; rig falls back to it when in doubt.
   */
  access?: ResourceAccess;
  /** Anything else (JSON) the provider needs to find it again. */
  [key: string]: Json | ResourceAccess | undefined;
}

export interface ResourceAccess {
  argv?: string[];
  env?: Record<string, string>;
  cwd?: string;
  shell?: boolean;
  /** Local directories the command needs (created, mode 0700, when missing): e.g. ssh's control sockets. */
  dirs?: string[];
  /** A local workspace's own view of the machine (src/host/isolate.ts; the local provider's). */
  isolate?: IsolationPlan;
  /**
   * An absolute path to a small module exporting `runAccess` (AccessRunner): rig imports it
   * alone and runs the command in its own process, which saves starting a second program
   * (lxd's exec websocket). When it cannot be imported, `argv` is used.
   */
  module?: string;
  /** JSON the runner needs (never a secret: it is kept in the state file). */
  data?: { [key: string]: string | undefined };
}

/**
 * What an `access.module` exports as `runAccess`: runs argv, the user's stdio attached
 * unless `capture` (then `onOutput` hears the output as it comes, when given). Null: it
 * did not run, and the recorded `argv` runs instead.
 */
export type AccessRunner = (
  access: ResourceAccess,
  argv: string[],
  run: { capture: boolean; signal: AbortSignal; onOutput?: (stream: "stdout" | "stderr", text: string) => void },
) => Promise<{ exitCode: number; stdout?: string; stderr?: string } | null>;

/** One workspace as a provider's controller methods see it: what that provider recorded for it. */
export interface WorkspaceHandle {
  workflow: string;
  name: string;
  /** The workspace context its create hook returned. */
  ctx: JsonObject;
  /** The resources this provider claimed for it, oldest first. */
  resources: WorkspaceResource[];
}

/**
 * A workspace's machines as its provider sees them (README "Workspaces: access, forks and leases"): running, stopped, gone
 * (`missing`), or the engine or host does not answer in time (`unreachable`).
 */
export type LiveStatus = "ready" | "stopped" | "missing" | "unreachable";

/** What a provider's runtime helpers know about the code calling them. */
export interface RuntimeContext {
  workflow: string;
  /**
   * Set when called from a task. `dataDir` is where files the task makes belong: the
   * project's `.rigkit/`, or for a `.global()` fragment its directory under RIGKIT_HOME.
   */
  task?: { path: string; dataDir: string };
  /**
   * Set when called from a workspace hook or workspace operation. `claim` records a
   * resource this provider is about to make for the workspace (call it before making it);
   * `record` merges fields into the workspace context the hook will return.
   */
  workspace?: { name: string; ctx: JsonObject; record(partial: JsonObject): void; claim(resource: WorkspaceResource): void };
  /** Appends a line to the current task's log (and shows it live). */
  log(line: string): void;
  signal: AbortSignal;
}

/** `{ provider, kind, … }` objects in a task's output are artifact refs. */
export interface ArtifactRef {
  provider: string;
  kind: string;
  [key: string]: unknown;
}

export interface ProviderCheck {
  name: string;
  ok: boolean;
  message?: string;
  /**
   * Whether work cannot go on while this check fails (default true): `apply`'s preflight
   * stops on a failing required check. A fleet marks each host `required: false` (the
   * others serve) and adds one required check that some host answers.
   */
  required?: boolean;
}

/** Something a provider made for this project, as `rig gc` sees it. */
export interface ProviderResource {
  /** How a person recognises it: a container name, a path, `host:path`. */
  id: string;
  /** The workspace-context fields that own it: a workspace whose ctx has all of them owns it. */
  match: Record<string, string>;
}

export interface ProviderController<Runtime> {
  runtime(ctx: RuntimeContext): Runtime;
  checks?(): Awaitable<ProviderCheck[]>;
  validateArtifact?(ref: ArtifactRef): Awaitable<boolean>;
  /**
   * A fingerprint of what the artifact holds now (a directory: its names, sizes and
   * modification times), or null when it cannot tell. rig takes one when an apply whose
   * runs output the ref ends, and compares it before reusing those runs, so a directory
   * rewritten since (by a later run, or behind rig's back) is not reused (plan:
   * `artifact-changed`). Leave it out for artifacts that never change (content-addressed
   * images). Keep it cheap: `rig plan` calls it once per artifact.
   */
  artifactState?(ref: ArtifactRef): Awaitable<string | null>;
  /** Everything it made for this project (found by its labels), for `rig gc`. */
  resources?(): Awaitable<ProviderResource[]>;
  /**
   * What it made for tasks (snapshot images, prepared directories), found by its labels or
   * owner markers, each with `match.ref`: the string (an image id, a path) that a task's
   * output holds while it uses it. `rig gc` destroys those no cached run references.
   */
  artifacts?(): Awaitable<ProviderResource[]>;
  /**
   * Removes one of `resources()` or `artifacts()` (or, on `rm --force` of a workspace whose
   * workflow is gone, a claimed resource: its string fields are the `match`). Check the
   * label or marker again before deleting, and never follow a symlink.
   */
  destroy?(resource: ProviderResource): Awaitable<void>;

  // --- workspace methods: over the resources this provider claimed for a workspace ------
  // All optional; `docs/providers.md` has the contract and which provider has which.

  /**
   * Live status of many workspaces at once, one answer per handle in the same order. Make
   * one batched query per engine or host, honour `signal` (rig aborts it after a short time
   * limit) and answer `unreachable` rather than hang.
   */
  status?(workspaces: WorkspaceHandle[], options: { signal: AbortSignal }): Awaitable<LiveStatus[]>;

  /**
   * Runs `argv` in the workspace (its directory, container or remote directory). With
   * `capture`, output is returned; otherwise stdin, stdout and stderr are the user's.
   * With `output` (`rig exec --all`, always with `capture`), call it with each line as it
   * comes, give the command no stdin and no terminal; a provider that does not is shown
   * its captured output when the command ends. Resolves to the command's own exit code;
   * never rejects because the command failed.
   */
  exec?(workspace: WorkspaceHandle, argv: string[], options: WorkspaceExecOptions): Awaitable<WorkspaceExecResult>;
  /** An interactive login shell in the workspace, attached to the user's terminal; its exit code. */
  shell?(workspace: WorkspaceHandle, options: { signal: AbortSignal }): Awaitable<number>;
  /**
   * Stops the workspace's machines, keeping their data (`rig stop`). Absent, or answering
   * `false` for this workspace: nothing to stop.
   */
  stop?(workspace: WorkspaceHandle, options: { signal: AbortSignal }): Awaitable<void | boolean>;
  /** Starts what `stop` stopped (`rig start`); `false`: nothing to start for this workspace. */
  start?(workspace: WorkspaceHandle, options: { signal: AbortSignal }): Awaitable<void | boolean>;
  /**
   * How to reach `port` inside the workspace: a command whose stdin/stdout carry one TCP
   * connection (rig runs one per connection), or `local` when the port is on this machine.
   */
  forward?(workspace: WorkspaceHandle, port: number): Awaitable<ForwardTarget>;
  /**
   * Copies a live workspace's current state into a new workspace (`rig create --from`):
   * claims what it makes through `target.claim` and returns the new workspace's context.
   */
  fork?(source: WorkspaceHandle, target: ForkTarget, options: { signal: AbortSignal; log(line: string): void }): Awaitable<JsonObject>;
  /** How VS Code opens the workspace (`rig code`). */
  editor?(workspace: WorkspaceHandle): Awaitable<EditorTarget>;
  /**
   * For `rig diff` and `rig merge`: a directory on this machine holding the workspace's
   * files as they are now (`what: "workspace"`, its `.git` included), or the files it was
   * made from (`"base"`; null when that is unknown or gone). Copy remote files into `into`
   * (a fresh, empty directory rig deletes afterwards); a local workspace may return its own
   * directory, which rig only reads.
   */
  exportFiles?(workspace: WorkspaceHandle, options: ExportOptions): Awaitable<string | null>;
}

export interface ExportOptions {
  what: "workspace" | "base";
  into: string;
  signal: AbortSignal;
}

export interface WorkspaceExecOptions {
  capture: boolean;
  signal: AbortSignal;
  /** Each line of output as it comes (several workspaces at once: rig prefixes them). */
  output?: (stream: "stdout" | "stderr", line: string) => void;
}

export interface WorkspaceExecResult {
  exitCode: number;
  /** Set with `capture`. */
  stdout?: string;
  stderr?: string;
}

export type ForwardTarget = { argv: string[]; env?: Record<string, string> } | { local: true };

export interface ForkTarget {
  name: string;
  claim(resource: WorkspaceResource): void;
  /** Merged into the new workspace's context as soon as it is known (as `workspace.record`). */
  record(partial: JsonObject): void;
}

export interface EditorTarget {
  /** Arguments for the `code` command. */
  args: string[];
  /** The same as a URI (`vscode://file/…`, `vscode-remote://…`). */
  uri: string;
}

export interface ProviderCreateArgs<Config> {
  config: Config;
  storage: KeyValueStore;
  hostStorage: KeyValueStore;
  local: HostCapabilities;
  project: ProjectInfo;
  /**
   * The variable name of the `env.secret("NAME")` a config value was resolved from, or
   * undefined when it is not a secret: a provider keeps such a value out of what it
   * claims, records and says, and names the secret instead (docs/providers.md).
   */
  secretName(value: string): string | undefined;
}

export interface ProviderSpec<Config, Runtime> {
  id: string;
  configSchema?: OutputSchema<Config>;
  /** Part of every in-scope task's cache key; defaults to the source of `create`. */
  fingerprint?: string;
  create(args: ProviderCreateArgs<Config>): Awaitable<ProviderController<Runtime>>;
}

const PROVIDER_BRAND = Symbol.for("rigkit.provider");

/** A configured provider, ready for `.addProvider(name, definition)`. */
export interface ProviderDefinition<Runtime = unknown> {
  readonly [PROVIDER_BRAND]: true;
  readonly id: string;
  /** As written in the config: may hold `env()` values, resolved by the engine. */
  readonly config: unknown;
  // the spec's config type is erased once configured.
  readonly spec: ProviderSpec<any, Runtime>;
}

export type ProviderFactory<Config, Runtime> = {} extends Config
  ? (config?: Resolvable<Config>) => ProviderDefinition<Runtime>
  : (config: Resolvable<Config>) => ProviderDefinition<Runtime>;

export function defineProvider<Config = Record<string, never>, Runtime = unknown>(spec: ProviderSpec<Config, Runtime>): ProviderFactory<Config, Runtime>;
/** Upstream's form with a config: the configured provider, ready for `.addProvider()`. */
export function defineProvider<Config, Runtime = unknown>(id: string, config: Resolvable<Config>, plugin: BaseProviderPlugin<Config, Runtime>): ProviderDefinition<Runtime>;
/** Upstream's form with a config schema: a factory, as with `defineProvider({ … })`. */
export function defineProvider<Config, Runtime = unknown>(id: string, configSchema: OutputSchema<Config>, plugin: BaseProviderPlugin<Config, Runtime>): ProviderFactory<Config, Runtime>;
export function defineProvider<Config = Record<string, never>, Runtime = unknown>(
  spec: ProviderSpec<Config, Runtime> | string,
  second?: unknown,
  plugin?: BaseProviderPlugin<Config, Runtime>,
): ProviderFactory<Config, Runtime> | ProviderDefinition<Runtime> {
  if (typeof spec === "string") {
    // Upstream's positional form (src/sdk/upstream-provider.ts).
    const isSchema = typeof (second as { safeParse?: unknown } | null)?.safeParse === "function";
    const mapped = upstreamSpec(spec, plugin as BaseProviderPlugin<Config, Runtime>, isSchema ? (second as OutputSchema<Config>) : undefined);
    const factory = defineProvider(mapped);
    return isSchema ? factory : (factory as (config?: unknown) => ProviderDefinition<Runtime>)(second);
  }
  if (typeof spec?.id !== "string" || spec.id === "") throw new TypeError("defineProvider(): `id` must be a non-empty string");
  if (typeof spec.create !== "function") throw new TypeError(`defineProvider("${spec.id}"): \`create\` must be a function`);
  const factory = (config?: unknown): ProviderDefinition<Runtime> =>
    Object.freeze({ [PROVIDER_BRAND]: true as const, id: spec.id, config: config ?? {}, spec });
  return factory as ProviderFactory<Config, Runtime>;
}

export const isProviderDefinition = (value: unknown): value is ProviderDefinition =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[PROVIDER_BRAND] === true;
