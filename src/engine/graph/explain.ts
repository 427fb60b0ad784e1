/**
 * `rig cache <workflow> explain [task]`: for each task, why it is cached or pending,
 * down to the part of the key that changed (handler source, a config key, a provider,
 * an upstream task, TTL expiry, a missing artifact).
 */
import { RigError } from "../../errors.ts";
import type { Json, JsonObject } from "../../sdk/types.ts";
import { type KeyDetail, type KeyParts, type PendingReason, decide, keyDetail, snapshotLookup, upstreamKeys } from "./cache.ts";
import type { CompiledWorkflow, TaskNode } from "./compile.ts";
import { stableStringify } from "./fingerprint.ts";
import type { ProviderRegistry } from "../project/providers.ts";
import type { Stores } from "../project/run-stores.ts";

export interface Explanation {
  path: string;
  name: string;
  status: "cached" | "pending";
  reason: PendingReason | null;
  runId: string | null;
  /** Human sentences, one per changed part. */
  changes: string[];
}

// null and undefined both read "(unset)": a version never given is not the JSON value null.
const show = (value: Json | undefined): string => (value === undefined || value === null ? "(unset)" : JSON.stringify(value));

/** Which input files were added, removed or changed; at most 20 named. */
function inputChanges(before: Record<string, string> | undefined, after: Record<string, string> | undefined): string[] {
  if (!before || !after) return ["input files changed (too many to name them)"];
  const old = before;
  const now = after;
  const lines = [...new Set([...Object.keys(old), ...Object.keys(now)])].sort().flatMap((path) => {
    if (!(path in old)) return [`input file ${path} added`];
    if (!(path in now)) return [`input file ${path} removed`];
    return old[path] === now[path] ? [] : [`input file ${path} changed`];
  });
  return lines.length > 20 ? [...lines.slice(0, 20), `… and ${lines.length - 20} more input files`] : lines;
}

function configChanges(before: JsonObject, after: JsonObject): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys
    .filter((k) => stableStringify(before[k]) !== stableStringify(after[k]))
    .map((k) => `config key ${k}: ${show(before[k])} → ${show(after[k])}`);
}

type Parts = NonNullable<KeyDetail["providerParts"]>;

/** What changed in one provider: its config keys, its code, or what it is. */
function providerDiff(name: string, before: Parts[string] | undefined, after: Parts[string] | undefined): string[] {
  if (!before || !after) return [`provider ${name} changed (its config or its code)`];
  if (before.id !== after.id) return [`provider ${name}: now ${after.id} (was ${before.id})`];
  const asObject = (v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as JsonObject) : { "(config)": v as Json });
  const keys = configChanges(asObject(before.config), asObject(after.config)).map((line) => `provider ${name} ${line}`);
  return [...keys, ...(before.plugin !== after.plugin ? [`provider ${name}: its code changed`] : [])];
}

function providerChanges(before: KeyDetail, after: KeyDetail): string[] {
  const names = [...new Set([...Object.keys(before.providers), ...Object.keys(after.providers)])].sort();
  return names.flatMap((name) => {
    if (!(name in before.providers)) return [`provider ${name} added to the scope`];
    if (!(name in after.providers)) return [`provider ${name} removed from the scope`];
    if (before.providers[name] === after.providers[name]) return [];
    return providerDiff(name, before.providerParts?.[name], after.providerParts?.[name]);
  });
}

function definitionChanges(before: KeyDetail["definition"], after: KeyDetail["definition"]): string[] {
  const out: string[] = [];
  if (before.handler !== after.handler) out.push("handler source changed");
  if (before.version !== after.version) out.push(`version ${show(before.version)} → ${show(after.version)}`);
  if (before.output !== after.output) out.push("output schema changed");
  return out;
}

function upstreamChanges(previous: KeyParts, current: (string | null)[], paths: string[]): string[] {
  return paths.flatMap((path, i) => {
    if (current[i] === null) return [`upstream task ${path} is pending`];
    return previous.upstream[i] === current[i] ? [] : [`upstream task ${path} ran again`];
  });
}

export async function explain(workflow: CompiledWorkflow, stores: Stores, registry: ProviderRegistry, task?: string): Promise<{ workflow: string; tasks: Explanation[] }> {
  let wanted: TaskNode | undefined;
  if (task !== undefined) {
    wanted = workflow.tasks.find((t) => t.path === task) ?? workflow.tasks.find((t) => t.name === task);
    if (!wanted) {
      throw new RigError("USAGE", `Workflow ${workflow.name} has no task "${task}"`, {
        detail: [`Tasks: ${workflow.tasks.map((t) => t.path).join(", ")}`],
      });
    }
  }
  const runIds: (string | null)[] = new Array(workflow.tasks.length).fill(null);
  const lookup = snapshotLookup(false);
  const out: Explanation[] = [];
  for (const node of workflow.tasks) {
    const store = stores.of(node);
    const upstream = upstreamKeys(node, runIds, workflow.tasks, stores);
    const verdict = await decide(node, upstream, store, registry, Date.now(), lookup);
    if (verdict.status === "cached") runIds[node.index] = verdict.run.id;
    if (wanted && wanted !== node) continue;
    if (verdict.status === "cached") {
      const run = store.run(verdict.run.id);
      const when = run ? new Date(run.finished_at).toISOString() : "?";
      out.push({ path: node.path, name: node.name, status: "cached", reason: null, runId: verdict.run.id, changes: [`reusing run ${verdict.run.id} from ${when}`] });
      continue;
    }
    const changes: string[] = [];
    const previous = store.latestRun(node.cacheKey.workflow, node.cacheKey.path);
    const before = previous ? (JSON.parse(previous.key_parts) as KeyParts) : null;
    const now = keyDetail(node, registry, workflow.tasks);
    switch (verdict.reason) {
      case "no-previous-run":
        changes.push("it has never run successfully");
        break;
      case "task-changed":
      case "config-changed":
      case "inputs-changed":
      case "provider-changed":
      case "upstream-changed":
        if (before?.detail) {
          changes.push(
            ...definitionChanges(before.detail.definition, now.definition),
            ...configChanges(before.detail.config, now.config),
            ...(before.inputs === verdict.parts.inputs
              ? []
              : before.inputs === undefined
                ? ["inputs added to the task"]
                : verdict.parts.inputs === undefined
                  ? ["inputs removed from the task"]
                  : inputChanges(before.detail.inputs, now.inputs)),
            ...providerChanges(before.detail, now),
            ...upstreamChanges(before, upstream, now.upstream),
          );
        }
        if (changes.length === 0) changes.push(verdict.reason.replace("-", " "));
        break;
      case "invalidated":
        changes.push("its cached run was invalidated (rig cache invalidate, or step.invalidate from a later task)");
        break;
      default:
        changes.push(verdict.detail ?? verdict.reason);
    }
    out.push({ path: node.path, name: node.name, status: "pending", reason: verdict.reason, runId: null, changes });
  }
  return { workflow: workflow.name, tasks: out };
}
