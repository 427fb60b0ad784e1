import { listConfig, listDocument, listView } from "../../engine/api/list.ts";
import type { WorkspaceState } from "../../engine/workspaces/status.ts";
import { RigError } from "../../errors.ts";
import { type Cli, engineCall, projectOptions } from "../context.ts";
import { renderConfig, renderWorkspaces } from "../render.ts";
import { emit } from "../ui.ts";

/**
 * `rig ls [workspaces|config] [--workflow W] [--cached]`: see listView
 * (src/engine/api/list.ts); `--cached` answers from the state file alone.
 */
export default async function lsCommand(cli: Cli, what = "workspaces", opts: { cached?: boolean; workflow?: string } = {}): Promise<void> {
  if (what !== "workspaces" && what !== "config") {
    throw new RigError("USAGE", `rig ls lists "workspaces" or "config", not "${what}"`);
  }
  if (what === "config") {
    const { workflows } = await listConfig(projectOptions(cli.globals), { workflow: opts.workflow });
    emit({ workflows }, () => (workflows.length === 0 ? "No config has been loaded yet; run `rig plan` first." : renderConfig(workflows)));
    return;
  }
  const view = await listView(projectOptions(cli.globals), opts, engineCall(cli));
  emit(listDocument(view), () => renderWorkspaces(view.rows, view.appliedAt, (row) => view.states.get(row) as WorkspaceState));
}
