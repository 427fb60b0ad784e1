import type { Manifest } from "../../engine/manifest.ts";
import { openState } from "../../engine/locate.ts";
import { workspaceInfo } from "../../state/store.ts";
import { RigError } from "../../errors.ts";
import { type Cli, projectOptions } from "../context.ts";
import { renderConfig, renderWorkspaces } from "../render.ts";
import { emit } from "../ui.ts";

const unknownWorkflow = (name: string, known: string[]) =>
  new RigError("UNKNOWN_WORKFLOW", `Unknown workflow "${name}"`, { detail: [`Workflows: ${known.join(", ")}`] });

/** `rig ls [workspaces|config]`: answers from the state file alone, without loading the config. */
export default async function lsCommand(cli: Cli, what = "workspaces", opts: { workflow?: string } = {}): Promise<void> {
  if (what !== "workspaces" && what !== "config") {
    throw new RigError("USAGE", `rig ls lists "workspaces" or "config", not "${what}"`);
  }
  const { store } = await openState(projectOptions(cli.globals), { readOnly: true });
  if (what === "config") {
    const body = store?.manifest();
    const manifest = body ? (JSON.parse(body) as Manifest) : null;
    const all = manifest?.workflows ?? [];
    const workflows = all.filter((w) => opts.workflow === undefined || w.name === opts.workflow);
    if (opts.workflow !== undefined && workflows.length === 0 && all.length > 0) throw unknownWorkflow(opts.workflow, all.map((w) => w.name));
    emit({ workflows }, () => (workflows.length === 0 ? "No config has been loaded yet; run `rig plan` first." : renderConfig(workflows)));
    return;
  }
  const rows = (store?.workspaces() ?? []).filter((r) => opts.workflow === undefined || r.workflow === opts.workflow);
  if (opts.workflow !== undefined && rows.length === 0 && store) {
    const known = [...new Set([...(store.manifest() ? (JSON.parse(store.manifest() as string) as Manifest).workflows.map((w) => w.name) : []), ...store.workspaces().map((w) => w.workflow)])];
    if (known.length > 0 && !known.includes(opts.workflow)) throw unknownWorkflow(opts.workflow, known);
  }
  emit({ workspaces: rows.map(workspaceInfo) }, () => renderWorkspaces(rows, (wf) => store?.finalCtx(wf)?.appliedAt ?? null));
}
