/** The provider API (SPEC §3): `defineProvider({ id, configSchema?, create })`. */
import type { Resolvable } from "./env.ts";
import type { Awaitable, HostCapabilities, JsonObject, OutputSchema } from "./types.ts";

/** A JSON key-value store; `storage` is per project, `hostStorage` per user. */
export interface KeyValueStore {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  entries<T = unknown>(prefix?: string): [string, T][];
}

export interface ProjectInfo {
  /** Stable random id of this project, kept in the state file; use it to label resources. */
  id: string;
  /** Directory holding the config file. */
  root: string;
  /** The project's `.rigkit/` directory. */
  stateDir: string;
}

/** What a provider's runtime helpers know about the code calling them. */
export interface RuntimeContext {
  workflow: string;
  /**
   * Set when called from a task. `dataDir` is where files the task makes belong: the
   * project's `.rigkit/`, or for a `.global()` fragment its directory under RIGKIT_HOME.
   */
  task?: { path: string; dataDir: string };
  /** Set when called from a workspace hook or workspace operation. */
  workspace?: { name: string; ctx: JsonObject; record(partial: JsonObject): void };
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
  /** Everything it made for this project (found by its labels), for `rig gc`. */
  resources?(): Awaitable<ProviderResource[]>;
  /** Removes one of `resources()`; `rig gc` calls it for those no workspace owns. */
  destroy?(resource: ProviderResource): Awaitable<void>;
}

export interface ProviderCreateArgs<Config> {
  config: Config;
  storage: KeyValueStore;
  hostStorage: KeyValueStore;
  local: HostCapabilities;
  project: ProjectInfo;
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
  // biome-ignore lint: the spec's config type is erased once configured.
  readonly spec: ProviderSpec<any, Runtime>;
}

export type ProviderFactory<Config, Runtime> = {} extends Config
  ? (config?: Resolvable<Config>) => ProviderDefinition<Runtime>
  : (config: Resolvable<Config>) => ProviderDefinition<Runtime>;

export function defineProvider<Config = Record<string, never>, Runtime = unknown>(
  spec: ProviderSpec<Config, Runtime>,
): ProviderFactory<Config, Runtime> {
  if (typeof spec?.id !== "string" || spec.id === "") throw new TypeError("defineProvider(): `id` must be a non-empty string");
  if (typeof spec.create !== "function") throw new TypeError(`defineProvider("${spec.id}"): \`create\` must be a function`);
  const factory = (config?: unknown): ProviderDefinition<Runtime> =>
    Object.freeze({ [PROVIDER_BRAND]: true as const, id: spec.id, config: config ?? {}, spec });
  return factory as ProviderFactory<Config, Runtime>;
}

export const isProviderDefinition = (value: unknown): value is ProviderDefinition =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[PROVIDER_BRAND] === true;
