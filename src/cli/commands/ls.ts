import type { Manifest } from "../../engine/manifest.ts";
import { openState, stateDirOf } from "../../engine/locate.ts";
import { reapLeftovers } from "../../host/supervisor.ts";
import { workspaceInfo } from "../../state/store.ts";
import { RigError } from "../../errors.ts";
import { type Cli, projectOptions } from "../context.ts";
import { renderConfig, renderWorkspaces } from "../render.ts";
import { emit } from "../ui.ts";

/** `rig ls [workspaces|config]`: answers from the state file alone, without loading the config. */
export default async function lsCommand(cli: Cli, what = "workspaces"): Promise<void> {
  if (what !== "workspaces" && what !== "config") {
    throw new RigError("USAGE", `rig ls lists "workspaces" or "config", not "${what}"`);
  }
  const { location, store } = await openState(projectOptions(cli.globals), { readOnly: true });
  await reapLeftovers(stateDirOf(location)); // what a killed rig left running (src/host/supervisor.ts)
  if (what === "config") {
    const body = store?.manifest();
    const manifest = body ? (JSON.parse(body) as Manifest) : null;
    const workflows = manifest?.workflows ?? [];
    emit({ workflows }, () => (workflows.length === 0 ? "No config has been loaded yet; run `rig plan` first." : renderConfig(workflows)));
    return;
  }
  const rows = store?.workspaces() ?? [];
  emit({ workspaces: rows.map(workspaceInfo) }, () => renderWorkspaces(rows, (wf) => store?.finalCtx(wf)?.appliedAt ?? null));
}
