/**
 * The cache through the API (`rig cache <workflow> ls | explain | invalidate | clear`).
 * Only `explain` loads the config (it must compute current keys); the rest use the state
 * file and the manifest saved by the last config load. Invalidating and clearing take
 * the project lock.
 */
import { RigError } from "../../errors.ts";
import { Store } from "../../state/store.ts";
import { readManifest } from "../project/manifest.ts";
import { fragmentStatePath } from "../project/run-stores.ts";
import { type CallOptions, type ProjectRef, callParts, projectOf, stateOf, withLock } from "./call.ts";

/** A workflow's tasks as the manifest knows them, and which live in `.global()` fragments. */
interface CacheView {
  paths: string[];
  global: Map<string, { hash: string; cachePath: string }>;
}

function cacheView(store: Store, workflow: string): CacheView {
  const manifest = readManifest(store);
  const known = manifest?.workflows.find((w) => w.name === workflow);
  if (known) return { paths: known.tasks, global: new Map((known.global ?? []).map((g) => [g.path, g])) };
  const stored = [...new Set(store.cacheEntries(workflow).map((e) => e.path))];
  if (stored.length > 0) return { paths: stored, global: new Map() };
  const choices = [...new Set([...(manifest?.workflows.map((w) => w.name) ?? []), ...store.knownWorkflows()])];
  throw new RigError("UNKNOWN_WORKFLOW", `Unknown workflow "${workflow}"`, {
    detail: [choices.length ? `Workflows: ${choices.join(", ")}` : "Run `rig plan` once so rig knows this project's workflows."],
  });
}

/** The fragment hashes a workflow uses, each with its task paths (cache path → workflow path). */
function fragmentsOf(view: CacheView): Map<string, Map<string, string>> {
  const fragments = new Map<string, Map<string, string>>();
  for (const [path, { hash, cachePath }] of view.global) {
    if (!fragments.has(hash)) fragments.set(hash, new Map());
    fragments.get(hash)?.set(cachePath, path);
  }
  return fragments;
}

function resolveTask(paths: string[], workflow: string, task: string): string {
  if (paths.includes(task)) return task;
  const byName = paths.filter((p) => p.split("/").at(-1) === task);
  if (byName.length === 1) return byName[0] as string;
  throw new RigError("USAGE", byName.length > 1 ? `Task "${task}" is ambiguous in ${workflow}` : `Workflow ${workflow} has no task "${task}"`, {
    detail: [`Tasks: ${(byName.length > 1 ? byName : paths).join(", ")}`],
  });
}

/**
 * The workflow when the caller left it out: the only one the manifest knows, or the
 * prompter's choice, or a usage error listing them.
 */
export async function cacheWorkflow(ref: ProjectRef, call: CallOptions = {}): Promise<string> {
  const { store, owned } = await stateOf(ref, { readOnly: true });
  let names = [...new Set([...(store ? (readManifest(store)?.workflows.map((w) => w.name) ?? []) : []), ...(store?.knownWorkflows() ?? [])])];
  if (owned) store?.close();
  // Never loaded: the config says which workflows there are.
  if (names.length === 0) names = (await projectOf(ref)).workflows.map((w) => w.name);
  if (names.length === 1) return names[0] as string;
  const { prompter } = callParts(call);
  if (prompter) return prompter.select("Which workflow's cache?", names);
  throw new RigError("USAGE", "This project has several workflows; name one: rig cache <workflow> <action>", { detail: [`Workflows: ${names.join(", ")}`] });
}

export interface CacheEntry {
  path: string;
  name: string;
  runId: string;
  createdAt: string;
  invalidated: boolean;
  scope: "local" | "global";
}

/** `rig cache <w> ls`: `{"entries":[{"path","name","runId","createdAt","invalidated","scope"}]}`, newest first. */
export async function cacheLs(ref: ProjectRef, input: { workflow: string }): Promise<{ entries: CacheEntry[] }> {
  const store = (await stateOf(ref)).store as Store;
  const fragments = fragmentsOf(cacheView(store, input.workflow));
  const rows = store.cacheEntries(input.workflow).map((e) => ({ ...e, scope: "local" as "local" | "global" }));
  for (const [hash, byCachePath] of fragments) {
    const shared = await Store.openReadOnly(fragmentStatePath(hash));
    for (const e of shared?.cacheEntries(`global:${hash}`) ?? []) {
      const path = byCachePath.get(e.path);
      if (path) rows.push({ ...e, path, scope: "global" });
    }
    shared?.close();
  }
  rows.sort((a, b) => b.finished_at - a.finished_at);
  return {
    entries: rows.map((e) => ({ path: e.path, name: e.name, runId: e.id, createdAt: new Date(e.finished_at).toISOString(), invalidated: e.invalidated === 1, scope: e.scope })),
  };
}

/** `rig cache <w> explain [task]`: each task's verdict and what changed since its cached run. */
export async function cacheExplain(ref: ProjectRef, input: { workflow: string; task?: string }, call: CallOptions = {}) {
  const { selectWorkflow } = await import("../project/project.ts");
  const { explain } = await import("../graph/explain.ts");
  const project = await projectOf(ref);
  const compiled = await selectWorkflow(project, input.workflow, "use", callParts(call).prompter);
  return explain(compiled, project.stores, project.registry, input.task);
}

/** `rig cache <w> invalidate <task>|--all`: `{"invalidated":[path…],"runs":n}`; the next apply reruns them. */
export async function cacheInvalidate(
  ref: ProjectRef,
  input: { workflow: string; task?: string; all?: boolean; yes?: boolean },
  call: CallOptions = {},
): Promise<{ invalidated: string[]; runs: number }> {
  const store = (await stateOf(ref)).store as Store;
  const view = cacheView(store, input.workflow);
  if (input.all === (input.task !== undefined)) throw new RigError("USAGE", "cache invalidate takes a task or --all (not both)");
  const targets = input.all ? view.paths : [resolveTask(view.paths, input.workflow, input.task as string)];
  if (input.all && !input.yes) {
    const { prompter } = callParts(call);
    if (!prompter) throw new RigError("CONFIRMATION_REQUIRED", `Invalidating every task of ${input.workflow} needs confirmation: pass --yes`);
    if (!(await prompter.confirm(`Invalidate all ${targets.length} tasks of ${input.workflow}? The next apply reruns them.`))) {
      throw new RigError("INTERRUPTED", "Cancelled: nothing invalidated");
    }
  }
  return withLock(store, call, `cache ${input.workflow} invalidate`, async () => {
    let runs = store.invalidatePaths(input.workflow, targets.filter((t) => !view.global.has(t)));
    for (const [hash, byCachePath] of fragmentsOf(view)) {
      const shared = [...byCachePath].filter(([, path]) => targets.includes(path)).map(([cachePath]) => cachePath);
      if (shared.length > 0) runs += Store.open(fragmentStatePath(hash)).invalidatePaths(`global:${hash}`, shared);
    }
    return { invalidated: targets, runs };
  });
}

/** `rig cache <w> clear [--local|--global]`: `{"cleared":n,"left":"…"}` (neither flag: both). */
export async function cacheClear(ref: ProjectRef, input: { workflow: string; local?: boolean; global?: boolean }, call: CallOptions = {}): Promise<{ cleared: number; left: string }> {
  const store = (await stateOf(ref)).store as Store;
  const view = cacheView(store, input.workflow);
  const local = input.local || !input.global;
  const global = input.global || !input.local;
  const cleared = await withLock(store, call, `cache ${input.workflow} clear`, async () => {
    let count = local ? store.clearRuns(input.workflow) : 0;
    if (global) for (const hash of fragmentsOf(view).keys()) count += Store.open(fragmentStatePath(hash)).clearRuns(`global:${hash}`);
    return count;
  });
  // Runs are forgotten; what they made (prepared directories, snapshot images) stays until gc.
  const left = "Prepared directories and snapshot images these runs made are left in place; `rig gc` removes those no cached run uses.";
  return { cleared, left };
}
