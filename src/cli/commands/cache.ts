/**
 * `rig cache <workflow> ls | explain [task] | invalidate <task>|--all | clear [--local|--global]`.
 * Only `explain` loads the config (it must compute current keys); the rest use the state
 * file and the manifest saved by the last config load.
 */
import { openState } from "../../engine/locate.ts";
import { readManifest } from "../../engine/manifest.ts";
import { RigError } from "../../errors.ts";
import { prompt } from "../../host/local.ts";
import { terminal } from "../../host/terminal.ts";
import type { Store } from "../../state/store.ts";
import { type Cli, lockProject, projectOptions } from "../context.ts";
import { ago, emit, out, table } from "../ui.ts";

export interface CacheOptions {
  all?: boolean;
  local?: boolean;
  global?: boolean;
  yes?: boolean;
}

/** Task paths of a workflow, from the manifest (or, failing that, from its stored runs). */
function taskPaths(store: Store, workflow: string): string[] {
  const manifest = readManifest(store);
  const known = manifest?.workflows.map((w) => w.name) ?? [];
  const fromManifest = manifest?.workflows.find((w) => w.name === workflow)?.tasks;
  if (fromManifest) return fromManifest;
  const stored = [...new Set(store.cacheEntries(workflow).map((e) => e.path))];
  if (stored.length > 0) return stored;
  const choices = [...new Set([...known, ...store.knownWorkflows()])];
  throw new RigError("UNKNOWN_WORKFLOW", `Unknown workflow "${workflow}"`, {
    detail: [choices.length ? `Workflows: ${choices.join(", ")}` : "Run `rig plan` once so rig knows this project's workflows."],
  });
}

function resolveTask(paths: string[], workflow: string, task: string): string {
  if (paths.includes(task)) return task;
  const byName = paths.filter((p) => p.split("/").at(-1) === task);
  if (byName.length === 1) return byName[0] as string;
  throw new RigError("USAGE", byName.length > 1 ? `Task "${task}" is ambiguous in ${workflow}` : `Workflow ${workflow} has no task "${task}"`, {
    detail: [`Tasks: ${(byName.length > 1 ? byName : paths).join(", ")}`],
  });
}

export default async function cacheCommand(cli: Cli, workflow: string, action: string, task: string | undefined, opts: CacheOptions): Promise<void> {
  if (action === "explain") {
    const { openProject, selectWorkflow } = await import("../../engine/project.ts");
    const { explain } = await import("../../engine/explain.ts");
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
  const paths = taskPaths(store, workflow);
  switch (action) {
    case "ls": {
      if (task !== undefined) throw new RigError("USAGE", "cache ls takes no task");
      const entries = store.cacheEntries(workflow).map((e) => ({
        path: e.path,
        name: e.name,
        runId: e.id,
        createdAt: new Date(e.finished_at).toISOString(),
        invalidated: e.invalidated === 1,
        scope: "local" as const,
      }));
      const c = out.colors;
      emit({ entries }, () =>
        entries.length === 0
          ? `No cache entries for ${workflow}.`
          : `${c.bold(workflow)}: ${entries.length} cache entr${entries.length === 1 ? "y" : "ies"}\n${table(
              store.cacheEntries(workflow).map((e) => [e.path, c.dim(e.id), c.dim(ago(e.finished_at)), e.invalidated ? c.yellow("invalidated") : ""]),
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
      const runs = store.invalidatePaths(workflow, targets);
      emit({ invalidated: targets, runs }, () => `${out.colors.green("✓")} Invalidated ${targets.join(", ")}: the next apply reruns ${targets.length === 1 ? "it" : "them"} and what follows`);
      return;
    }
    case "clear": {
      if (task !== undefined) throw new RigError("USAGE", "cache clear takes no task");
      await lockProject(cli, store, `cache ${workflow} clear`);
      // Global fragment caches come with `.global()`; until then every entry is local.
      const removed = opts.global && !opts.local ? 0 : store.clearRuns(workflow);
      emit({ cleared: removed }, () => `${out.colors.green("✓")} Cleared ${removed} cache entr${removed === 1 ? "y" : "ies"} of ${workflow}`);
      return;
    }
    default:
      throw new RigError("USAGE", `Unknown cache action "${action}"`, { detail: ["Actions: ls, explain, invalidate, clear"] });
  }
}
