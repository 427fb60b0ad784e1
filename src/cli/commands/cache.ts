/**
 * `rig cache <workflow> ls | explain [task] | invalidate <task>|--all | clear [--local|--global]`.
 * Only `explain` loads the config (it must compute current keys); the rest use the state
 * file and the manifest saved by the last config load.
 */
import { openState } from "../../engine/project/locate.ts";
import { readManifest } from "../../engine/project/manifest.ts";
import { RigError } from "../../errors.ts";
import { didYouMean } from "../../suggest.ts";
import { prompt } from "../../host/local.ts";
import { terminal } from "../../host/terminal.ts";
import { fragmentStatePath } from "../../engine/project/run-stores.ts";
import { Store } from "../../state/store.ts";
import { type Cli, lockProject, projectOptions } from "../context.ts";
import { ago, emit, out, table } from "../ui.ts";

export interface CacheOptions {
  all?: boolean;
  local?: boolean;
  global?: boolean;
  yes?: boolean;
}

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

const ACTIONS = ["ls", "explain", "invalidate", "clear"];

/**
 * The workflow may be left out (`rig cache ls`): the only one the manifest knows, or a
 * choice on a terminal, or a usage error listing them.
 */
async function defaultWorkflow(cli: Cli): Promise<string> {
  const { store } = await openState(projectOptions(cli.globals), { readOnly: true });
  let names = [...new Set([...(store ? (readManifest(store)?.workflows.map((w) => w.name) ?? []) : []), ...(store?.knownWorkflows() ?? [])])];
  store?.close();
  if (names.length === 0) {
    // Never loaded: the config says which workflows there are.
    const { openProject } = await import("../../engine/project/project.ts");
    names = (await openProject(projectOptions(cli.globals))).workflows.map((w) => w.name);
  }
  if (names.length === 1) return names[0] as string;
  if (terminal.canPrompt()) return prompt.select("Which workflow's cache?", names);
  throw new RigError("USAGE", "This project has several workflows; name one: rig cache <workflow> <action>", { detail: [`Workflows: ${names.join(", ")}`] });
}

export default async function cacheCommand(
  cli: Cli,
  first: string | undefined,
  second: string | undefined,
  third: string | undefined,
  opts: CacheOptions,
): Promise<void> {
  // `rig cache <action> [task]` leaves the workflow out.
  const leftOut = first !== undefined && ACTIONS.includes(first) && (second === undefined || !ACTIONS.includes(second));
  if (leftOut && third !== undefined) throw new RigError("USAGE", `too many arguments for cache ${first}`);
  // One word that is no action (`rig cache lss`) is a mistyped action, not a workflow.
  const action = leftOut ? (first as string) : second === undefined ? first : second;
  if (action === undefined || !ACTIONS.includes(action)) {
    throw new RigError("USAGE", action === undefined ? "cache needs an action" : `Unknown cache action "${action}"`, {
      detail: [...(action ? didYouMean(action, ACTIONS) : []), `Actions: ${ACTIONS.join(", ")}`, "Usage: rig cache [workflow] <action> [task]"],
    });
  }
  const workflow = leftOut ? await defaultWorkflow(cli) : (first as string);
  const task = leftOut ? second : third;
  if (action === "explain") {
    const { openProject, selectWorkflow } = await import("../../engine/project/project.ts");
    const { explain } = await import("../../engine/graph/explain.ts");
    const project = await openProject(projectOptions(cli.globals));
    const compiled = await selectWorkflow(project, workflow);
    const result = await explain(compiled, project.stores, project.registry, task);
    const c = out.colors;
    emit(result, () =>
      result.tasks
        .map((t) => `${t.status === "cached" ? c.green("✓") : c.yellow("•")} ${t.path} ${c.dim(t.reason ?? "cached")}\n${t.changes.map((ch) => `    ${ch}`).join("\n")}`)
        .join("\n"),
    );
    return;
  }

  const { store } = await openState(projectOptions(cli.globals));
  const view = cacheView(store, workflow);
  const paths = view.paths;
  const fragments = fragmentsOf(view);
  switch (action) {
    case "ls": {
      if (task !== undefined) throw new RigError("USAGE", "cache ls takes no task");
      const rows = store.cacheEntries(workflow).map((e) => ({ ...e, scope: "local" as const }));
      for (const [hash, byCachePath] of fragments) {
        const shared = await Store.openReadOnly(fragmentStatePath(hash));
        for (const e of shared?.cacheEntries(`global:${hash}`) ?? []) {
          const path = byCachePath.get(e.path);
          if (path) rows.push({ ...e, path, scope: "global" as never });
        }
        shared?.close();
      }
      rows.sort((a, b) => b.finished_at - a.finished_at);
      const entries = rows.map((e) => ({
        path: e.path,
        name: e.name,
        runId: e.id,
        createdAt: new Date(e.finished_at).toISOString(),
        invalidated: e.invalidated === 1,
        scope: e.scope as "local" | "global",
      }));
      const c = out.colors;
      emit({ entries }, () =>
        entries.length === 0
          ? `No cache entries for ${workflow}.`
          : `${c.bold(workflow)}: ${entries.length} cache entr${entries.length === 1 ? "y" : "ies"}\n${table(
              rows.map((e) => [e.path, c.dim(e.id), e.scope === "local" ? c.dim("local") : c.cyan("global"), c.dim(ago(e.finished_at)), e.invalidated ? c.yellow("invalidated") : ""]),
            )}`,
      );
      return;
    }
    case "invalidate": {
      if (opts.all === (task !== undefined)) throw new RigError("USAGE", "cache invalidate takes a task or --all (not both)");
      const targets = opts.all ? paths : [resolveTask(paths, workflow, task as string)];
      if (opts.all && !opts.yes) {
        if (!terminal.canPrompt()) throw new RigError("CONFIRMATION_REQUIRED", `Invalidating every task of ${workflow} needs confirmation: pass --yes`);
        if (!(await prompt.confirm(`Invalidate all ${targets.length} tasks of ${workflow}? The next apply reruns them.`))) {
          throw new RigError("INTERRUPTED", "Cancelled: nothing invalidated");
        }
      }
      await lockProject(cli, store, `cache ${workflow} invalidate`);
      let runs = store.invalidatePaths(workflow, targets.filter((t) => !view.global.has(t)));
      for (const [hash, byCachePath] of fragments) {
        const shared = [...byCachePath].filter(([, path]) => targets.includes(path)).map(([cachePath]) => cachePath);
        if (shared.length > 0) runs += Store.open(fragmentStatePath(hash)).invalidatePaths(`global:${hash}`, shared);
      }
      emit({ invalidated: targets, runs }, () => `${out.colors.green("✓")} Invalidated ${targets.join(", ")}: the next apply reruns ${targets.length === 1 ? "it" : "them"} and what follows`);
      return;
    }
    case "clear": {
      if (task !== undefined) throw new RigError("USAGE", "cache clear takes no task");
      await lockProject(cli, store, `cache ${workflow} clear`);
      // Neither flag: both. --global clears only the fragments this workflow uses.
      const local = opts.local || !opts.global;
      const global = opts.global || !opts.local;
      let cleared = local ? store.clearRuns(workflow) : 0;
      if (global) for (const hash of fragments.keys()) cleared += Store.open(fragmentStatePath(hash)).clearRuns(`global:${hash}`);
      // Runs are forgotten; what they made (prepared directories, snapshot images) stays until gc.
      const left = "Prepared directories and snapshot images these runs made are left in place; `rig gc` removes those no cached run uses.";
      emit({ cleared, left }, () =>
        `${out.colors.green("✓")} Cleared ${cleared} cache entr${cleared === 1 ? "y" : "ies"} of ${workflow}${local && global ? "" : local ? " (local)" : " (global fragments)"}\n${out.colors.dim(left)}`,
      );
      return;
    }
    default:
      throw new RigError("USAGE", `Unknown cache action "${action}"`, { detail: ["Actions: ls, explain, invalidate, clear"] });
  }
}
