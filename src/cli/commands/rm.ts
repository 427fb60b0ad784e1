import { destroyWorkspace } from "../../engine/workspaces/destroy.ts";
import { configName, openProject } from "../../engine/project/project.ts";
import { removeWorkspace, resolveWorkspace } from "../../engine/workspaces/lifecycle.ts";
import { RigError, messageOf } from "../../errors.ts";
import { prompt } from "../../host/local.ts";
import { terminal } from "../../host/terminal.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { type Cli, lockProject, projectOptions, waitForOperations } from "../context.ts";
import { hookOutput } from "../progress.ts";
import { emit, err, out } from "../ui.ts";

/**
 * `rig rm <names…> | --all`: each workspace through its remove hook; one whose workflow
 * the config no longer defines, with --force, by destroying what its providers recorded.
 * Goes on past a failing workspace, reports each, and fails (exit 1) if any failed.
 */
export default async function rmCommand(cli: Cli, names: string[], opts: { all?: boolean; yes?: boolean; force?: boolean; workflow?: string }): Promise<void> {
  if (opts.all && names.length > 0) throw new RigError("USAGE", "Pass workspace names or --all, not both");
  if (!opts.all && names.length === 0) throw new RigError("USAGE", "Name the workspaces to remove, or pass --all");

  const project = await openProject(projectOptions(cli.globals));
  const known = new Set([...project.workflows.map((w) => w.name), ...project.store.knownWorkflows()]);
  if (opts.workflow !== undefined && !known.has(opts.workflow)) {
    throw new RigError("UNKNOWN_WORKFLOW", `Unknown workflow "${opts.workflow}"`, { detail: [`Workflows: ${project.workflows.map((w) => w.name).join(", ")}`] });
  }
  const targets: WorkspaceRow[] = opts.all
    ? project.store.workspaces().filter((w) => opts.workflow === undefined || w.workflow === opts.workflow)
    : [];
  for (const name of [...new Set(names)]) targets.push(await resolveWorkspace(project, name, opts.workflow));

  if (targets.length === 0) {
    emit({ removed: [] }, () => "No workspaces to remove.");
    return;
  }
  const gone = (row: WorkspaceRow) => !project.workflows.some((w) => w.name === row.workflow);
  const orphanError = (row: WorkspaceRow) =>
    new RigError("CONFIG_ERROR", `Workspace ${row.name} belongs to workflow "${row.workflow}", which the config no longer defines`, {
      detail: [`Restore the workflow in ${configName(project)} so its remove hook runs, or \`rig rm ${row.name} --force\` to destroy what its providers recorded and forget it.`],
    });
  // Named on its own, such a workspace fails before anything is asked or changed.
  if (!opts.force && !opts.all && targets.length === 1 && gone(targets[0] as WorkspaceRow)) throw orphanError(targets[0] as WorkspaceRow);
  if (!opts.yes) {
    const list = targets.map((t) => t.name).join(", ");
    if (!terminal.canPrompt()) {
      throw new RigError("CONFIRMATION_REQUIRED", `Removing ${list} needs confirmation: pass --yes`);
    }
    if (!(await prompt.confirm(`Remove ${targets.length === 1 ? "workspace" : `${targets.length} workspaces`} ${list}?`))) {
      throw new RigError("INTERRUPTED", "Cancelled: nothing removed");
    }
  }
  await lockProject(cli, project.store, `rm ${targets.map((t) => t.name).join(" ")}`);
  // Running operations hold a shared lease on their workspace: wait for them, or stop them with --force.
  for (const row of targets) await waitForOperations(cli, project.store, row, opts.force);
  const settled = await Promise.allSettled(
    targets.map(async (row) => {
      const workflow = project.workflows.find((w) => w.name === row.workflow);
      if (!workflow) {
        if (!opts.force) throw orphanError(row);
        await destroyWorkspace(project, row);
        return null;
      }
      return removeWorkspace(project, workflow, row, { signal: cli.signal, output: hookOutput, force: opts.force });
    }),
  );
  const removed = targets.filter((_, i) => settled[i]?.status === "fulfilled").map((t) => t.name);
  for (const s of settled) if (s.status === "fulfilled" && s.value) err.line(`${err.colors.yellow("warning")} ${s.value}`);
  const failed = targets.flatMap((row, i) => {
    const s = settled[i];
    return s?.status === "rejected" ? [{ row, error: s.reason as unknown }] : [];
  });
  const interrupted = failed.find((f) => f.error instanceof RigError && f.error.code === "INTERRUPTED");
  if (interrupted) throw interrupted.error;
  if (failed.length === 1 && targets.length === 1) throw failed[0]?.error;
  if (failed.length > 0) {
    for (const name of removed) err.line(`${err.colors.green("✓")} Removed ${name}`);
    throw new RigError("HOOK_FAILED", `Could not remove ${failed.length} of ${targets.length} workspaces: ${failed.map((f) => f.row.name).join(", ")}`, {
      detail: [
        ...failed.map(({ row, error }) => `${row.name}: ${messageOf(error)}${error instanceof RigError && error.detail.length ? ` (${error.detail.join(" ")})` : ""}`),
        ...(removed.length ? [`Removed: ${removed.join(", ")}`] : []),
      ],
    });
  }
  emit({ removed }, () => removed.map((name) => `${out.colors.green("✓")} Removed ${name}`).join("\n"));
}
