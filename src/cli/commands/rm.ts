import { configName, openProject } from "../../engine/project.ts";
import { removeWorkspace, resolveWorkspace } from "../../engine/workspaces.ts";
import { RigError } from "../../errors.ts";
import { prompt } from "../../host/local.ts";
import { terminal } from "../../host/terminal.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { type Cli, lockProject, projectOptions } from "../context.ts";
import { hookOutput } from "../progress.ts";
import { emit, err, out } from "../ui.ts";

export default async function rmCommand(cli: Cli, names: string[], opts: { all?: boolean; yes?: boolean; force?: boolean; workflow?: string }): Promise<void> {
  if (opts.all && names.length > 0) throw new RigError("USAGE", "Pass workspace names or --all, not both");
  if (!opts.all && names.length === 0) throw new RigError("USAGE", "Name the workspaces to remove, or pass --all");

  const project = await openProject(projectOptions(cli.globals));
  if (opts.workflow !== undefined && !project.workflows.some((w) => w.name === opts.workflow)) {
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
  for (const row of targets) {
    if (!project.workflows.some((w) => w.name === row.workflow)) {
      throw new RigError("CONFIG_ERROR", `Workspace ${row.name} belongs to workflow "${row.workflow}", which the config no longer defines`, {
        detail: [`Restore the workflow in ${configName(project)} so its remove hook can run.`],
      });
    }
  }
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
  const settled = await Promise.allSettled(
    targets.map((row) =>
      removeWorkspace(project, project.workflows.find((w) => w.name === row.workflow) as never, row, {
        signal: cli.signal,
        output: hookOutput,
        force: opts.force,
      }),
    ),
  );
  const removed = targets.filter((_, i) => settled[i]?.status === "fulfilled").map((t) => t.name);
  for (const s of settled) if (s.status === "fulfilled" && s.value) err.line(`${err.colors.yellow("warning")} ${s.value}`);
  const failure = settled.find((s) => s.status === "rejected");
  if (failure) {
    if (removed.length > 0) err.line(`Removed ${removed.join(", ")}`);
    throw (failure as PromiseRejectedResult).reason;
  }
  emit({ removed }, () => removed.map((name) => `${out.colors.green("✓")} Removed ${name}`).join("\n"));
}
