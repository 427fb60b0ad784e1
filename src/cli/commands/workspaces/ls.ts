import { listConfig, listDocument, listSnapshots, listView } from "../../../engine/api/list.ts";
import type { WorkspaceState } from "../../../engine/workspaces/status.ts";
import { RigError } from "../../../errors.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { renderConfig, renderWorkspaces } from "../../render.ts";
import { emit } from "../../ui.ts";

/**
 * `rig ls [workspaces|config] [--workflow W] [--cached]`: see listView
 * (src/engine/api/list.ts); `--cached` answers from the state file alone.
 */
export default async function lsCommand(cli: Cli, what = "workspaces", opts: { cached?: boolean; workflow?: string } = {}): Promise<void> {
  if (what !== "workspaces" && what !== "config" && what !== "snapshots") {
    throw new RigError("USAGE", `rig ls lists "workspaces", "config" or "snapshots", not "${what}"`);
  }
  if (what === "snapshots") {
    const { snapshots } = await listSnapshots(projectOptions(cli.globals), { workflow: opts.workflow });
    emit({ snapshots }, () =>
      snapshots.length === 0
        ? "No snapshots: no cached task run holds an artifact (an image, a prepared directory) yet."
        : snapshots
            .map((s) => `${s.workflow}/${s.path}  ${s.runId}  ${s.createdAt}${s.invalidated ? "  (invalidated)" : ""}\n${s.artifacts.map((a) => `  ${JSON.stringify(a)}`).join("\n")}`)
            .join("\n"),
    );
    return;
  }
  if (what === "config") {
    const { workflows } = await listConfig(projectOptions(cli.globals), { workflow: opts.workflow });
    emit({ workflows }, () => (workflows.length === 0 ? "No config has been loaded yet; run `rig plan` first." : renderConfig(workflows)));
    return;
  }
  const view = await listView(projectOptions(cli.globals), opts, engineCall(cli));
  emit(listDocument(view), () => renderWorkspaces(view.rows, view.appliedAt, (row) => view.states.get(row) as WorkspaceState, view.outdated));
}
