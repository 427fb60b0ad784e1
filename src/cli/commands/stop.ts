import { setRunning } from "../../engine/workspaces/access.ts";
import { openProject } from "../../engine/project/project.ts";
import { resolveWorkspace, stopWorkspaceProcesses } from "../../engine/workspaces/lifecycle.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { type Cli, lockProject, projectOptions, waitForOperations } from "../context.ts";
import { hookOutput } from "../progress.ts";
import { emit, out } from "../ui.ts";

/**
 * `rig stop <ws…>` and (with "start") `rig start <ws…>`: one after another, under the project
 * lock. Stopping waits for operations running on the workspace (their leases), or stops
 * them with --force, and ends processes its hooks and operations left running on purpose.
 */
export async function stopOrStart(cli: Cli, which: "stop" | "start", names: string[], opts: { workflow?: string; force?: boolean }): Promise<void> {
  const project = await openProject(projectOptions(cli.globals));
  const rows: WorkspaceRow[] = [];
  for (const name of [...new Set(names)]) rows.push(await resolveWorkspace(project, name, opts.workflow));
  await lockProject(cli, project.store, `${which} ${rows.map((r) => r.name).join(" ")}`);
  const done: string[] = [];
  for (const row of rows) {
    // Read again under the lock: another rig may have changed it meanwhile.
    const current = project.store.workspace(row.workflow, row.name) ?? row;
    if (which === "stop") await waitForOperations(cli, project.store, row, opts.force);
    await setRunning(project, current, which, { signal: cli.signal, output: hookOutput });
    if (which === "stop") await stopWorkspaceProcesses(project.store, row.workflow, row.name);
    done.push(row.name);
  }
  const verb = which === "stop" ? "Stopped" : "Started";
  emit({ [which === "stop" ? "stopped" : "started"]: done }, () => done.map((name) => `${out.colors.green("✓")} ${verb} ${name}`).join("\n"));
}

export default (cli: Cli, names: string[], opts: { workflow?: string; force?: boolean }) => stopOrStart(cli, "stop", names, opts);
