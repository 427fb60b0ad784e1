/**
 * The cache decision for one task (README "Plan reasons"): is a stored run reusable, and if not, why.
 * Shared by `plan` (which never runs task code) and `apply`.
 */
import { RigError, messageOf } from "../../errors.ts";
import type { ArtifactRef } from "../../sdk/provider.ts";
import type { CachedRun, RunRow, Store } from "../../state/store.ts";
import type { JsonObject } from "../../sdk/types.ts";
import type { TaskNode } from "./compile.ts";
import { type InputSnapshot, fileInputs } from "./input-files.ts";
import { hash } from "./fingerprint.ts";
import type { Stores } from "../project/run-stores.ts";
import type { ProviderRegistry } from "../project/providers.ts";

export type PendingReason =
  | "no-previous-run"
  | "task-changed"
  | "config-changed"
  | "inputs-changed"
  | "provider-changed"
  | "upstream-changed"
  | "expired"
  | "invalidated"
  | "artifact-missing"
  | "output-invalid";

export interface KeyParts {
  task: string;
  config: string;
  /** Hash of the task's `inputs` globs and the content of the files they match (absent without inputs). */
  inputs?: string;
  providers: string;
  /** Run ids of upstream tasks; null where an upstream task is pending. */
  upstream: (string | null)[];
  /**
   * What the hashes above were made from. Not part of the key hash; stored with each run
   * so `rig cache explain` can name the part that changed.
   */
  detail?: KeyDetail;
}

export interface KeyDetail {
    definition: TaskNode["definition"];
    config: JsonObject;
    /** The `inputs` files: path → content hash. */
    inputs?: Record<string, string>;
    providers: Record<string, string>;
    /** Each provider's id, config (secrets as presence markers) and plugin hash. */
    providerParts?: Record<string, { id: string; config: unknown; plugin: string }>;
    upstream: string[];
}

export type Verdict =
  | { status: "cached"; run: CachedRun }
  | { status: "pending"; reason: PendingReason; parts: KeyParts; keyHash: string | null; detail?: string };

/** The task's `inputs` files now, or null when it has none. */
export function inputSnapshot(node: TaskNode, registry: ProviderRegistry): InputSnapshot | null {
  const globs = node.options.inputs;
  if (globs === undefined || (Array.isArray(globs) && globs.length === 0)) return null;
  try {
    return fileInputs(registry.project.root, registry.store).snapshot(globs);
  } catch (error) {
    if (error instanceof RigError) throw new RigError(error.code, `Workflow "${node.workflow}": task "${node.path}": ${error.message}`, { detail: error.detail });
    throw error;
  }
}

/**
 * The input files a run record names (for `cache explain`). Past this many, only the set's
 * hash is kept: each run record would otherwise carry megabytes of paths.
 */
export const MAX_NAMED_INPUTS = 5000;
const namedInputs = (snapshot: InputSnapshot | null) =>
  snapshot && Object.keys(snapshot.files).length <= MAX_NAMED_INPUTS ? snapshot.files : undefined;

export function keyParts(node: TaskNode, registry: ProviderRegistry, upstream: (string | null)[]): KeyParts {
  const task = node.taskHash;
  const config = node.scope.configHash;
  const providers = registry.scopeFingerprint(node.scope);
  const inputs = node.options.inputs === undefined ? null : inputSnapshot(node, registry);
  return inputs ? { task, config, inputs: inputs.hash, providers, upstream } : { task, config, providers, upstream };
}

/** What a key was made from, stored with each run (computed only when a run is recorded). */
export function keyDetail(node: TaskNode, registry: ProviderRegistry, tasks: readonly TaskNode[]): KeyDetail {
  return {
    definition: node.definition,
    config: node.scope.config,
    ...(node.options.inputs?.length ? { inputs: namedInputs(inputSnapshot(node, registry)) } : {}),
    providers: Object.fromEntries(node.scope.providers.map((decl) => [decl.name, registry.fingerprint(decl)])),
    providerParts: Object.fromEntries(node.scope.providers.map((decl) => [decl.name, registry.fingerprintParts(decl)])),
    upstream: node.upstream.map((i) => (tasks[i] as TaskNode).path),
  };
}

/**
 * The key: every part is a string, null or an array of those, so plain JSON is already
 * stable and equals `hashValue` of the same array (runs recorded before stay valid),
 * without its per-element walk (one per task, 10,000 in a big plan). Tasks without
 * inputs keep the key they had before inputs existed.
 */
export const keyHash = (node: TaskNode, parts: KeyParts): string =>
  hash(
    JSON.stringify(
      parts.inputs
        ? [node.cacheKey.workflow, node.cacheKey.path, node.name, parts.task, parts.config, parts.providers, parts.upstream, parts.inputs]
        : [node.cacheKey.workflow, node.cacheKey.path, node.name, parts.task, parts.config, parts.providers, parts.upstream],
    ),
  );

/**
 * The upstream part of a task's key. Normally the run ids of the tasks feeding it. A task
 * in a `.global()` fragment fed from outside the fragment uses the content of that input
 * instead (`out:<hash>`), so every project handing it the same context shares its runs.
 */
export function upstreamKeys(node: TaskNode, runIds: readonly (string | null)[], tasks: readonly TaskNode[], stores: Stores): (string | null)[] {
  if (!node.fragment) return node.upstream.map((i) => runIds[i] ?? null);
  return node.upstream.map((i) => {
    const id = runIds[i] ?? null;
    const up = tasks[i] as TaskNode;
    if (id === null || !node.fragment || up.fragment?.hash === node.fragment.hash) return id;
    return `out:${hash(stores.of(up).runOutput(id) ?? "null")}`;
  });
}

/** Which part of the key differs from a previous run, in the order README "Plan reasons" lists them. */
export function changedPart(previous: RunRow, parts: KeyParts): PendingReason {
  const old = JSON.parse(previous.key_parts) as KeyParts;
  if (old.task !== parts.task) return "task-changed";
  if (old.config !== parts.config) return "config-changed";
  if (old.inputs !== parts.inputs) return "inputs-changed";
  if (old.providers !== parts.providers) return "provider-changed";
  return "upstream-changed";
}

export const describeArtifact = (ref: ArtifactRef): string =>
  `${ref.provider} ${ref.kind} ${String(ref.path ?? ref.id ?? ref.name ?? JSON.stringify(ref))}`;

/** `{ provider, kind, … }` objects anywhere in a value. */
export function collectArtifacts(value: unknown, out: ArtifactRef[] = []): ArtifactRef[] {
  if (Array.isArray(value)) for (const v of value) collectArtifacts(v, out);
  else if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (typeof obj.provider === "string" && typeof obj.kind === "string") out.push(obj as ArtifactRef);
    for (const v of Object.values(obj)) collectArtifacts(v, out);
  }
  return out;
}

/** Finds the newest successful run of a task with this key. */
export type RunLookup = (store: Store, workflow: string, path: string, key: string) => CachedRun | null;

const direct: RunLookup = (store, workflow, path, key) => store.runByKey(workflow, path, key);

/**
 * Lookups answered from one snapshot query per store and workflow (`Store.runsByKey`),
 * taken on first use. `verifyMisses`: a key missing from the snapshot is asked of SQLite
 * again, for apply, where a concurrent process may have added the run since; a read-only
 * plan trusts the snapshot.
 */
export function snapshotLookup(verifyMisses: boolean): RunLookup {
  const snapshots = new Map<Store, Map<string, ReturnType<Store["runsByKey"]>>>();
  return (store, workflow, path, key) => {
    let byWorkflow = snapshots.get(store);
    if (!byWorkflow) snapshots.set(store, (byWorkflow = new Map()));
    let runs = byWorkflow.get(workflow);
    if (!runs) byWorkflow.set(workflow, (runs = store.runsByKey(workflow)));
    const run = runs.get(key);
    if (run?.path === path) return run;
    return verifyMisses ? store.runByKey(workflow, path, key) : null;
  };
}

const pending = (parts: KeyParts, reason: PendingReason, key: string | null, detail?: string): Verdict => ({ status: "pending", reason, parts, keyHash: key, detail });

/** Why a task without a reusable run is pending: what changed since its newest run. */
function changed(node: TaskNode, parts: KeyParts, store: Store): PendingReason {
  const previous = store.latestRun(node.cacheKey.workflow, node.cacheKey.path);
  return previous ? changedPart(previous, parts) : "no-previous-run";
}

/**
 * The verdict, synchronously unless a cached run's artifacts must be asked of their
 * providers: a plan of 10,000 tasks then does not wait for a promise per task.
 */
export function decide(
  node: TaskNode,
  upstream: (string | null)[],
  store: Store,
  registry: ProviderRegistry,
  now = Date.now(),
  lookup: RunLookup = direct,
): Verdict | Promise<Verdict> {
  const parts = keyParts(node, registry, upstream);
  if (upstream.includes(null)) return pending(parts, changed(node, parts, store), null);
  const key = keyHash(node, parts);
  const run = lookup(store, node.cacheKey.workflow, node.cacheKey.path, key);
  if (!run) return pending(parts, changed(node, parts, store), key);
  if (run.invalidated) return pending(parts, "invalidated", key);
  if (node.ttlMs !== null && now - run.finished_at >= node.ttlMs) {
    const ttl = JSON.stringify(node.options.cacheTTL);
    return pending(
      parts,
      "expired",
      key,
      node.ttlMs === 0
        ? `cacheTTL ${ttl}: runs on every apply`
        : `cacheTTL ${ttl}: the run of ${new Date(run.finished_at).toISOString()} expired at ${new Date(run.finished_at + node.ttlMs).toISOString()}`,
    );
  }
  if (node.options.output) {
    const parsed = node.options.output.safeParse(JSON.parse(store.runOutput(run.id) ?? "null"));
    if (!parsed.success) return pending(parts, "output-invalid", key, `stored output fails its schema: ${messageOf(parsed.error)}`);
  }
  const cached: Verdict = { status: "cached", run };
  if (!run.artifacts || run.artifacts === "[]") return cached;
  return (async () => {
    for (const ref of JSON.parse(run.artifacts as string) as ArtifactRef[]) {
      if (!(await registry.artifactValid(node.scope, ref))) return pending(parts, "artifact-missing", key, `${describeArtifact(ref)} is gone`);
    }
    return cached;
  })();
}
