import type { Manifest } from "../../engine/project/manifest.ts";
import { openState, stateDirOf } from "../../engine/project/locate.ts";
import { type WorkspaceState, recordedState } from "../../engine/workspaces/status.ts";
import { reapLeftovers } from "../../host/supervisor.ts";
import { type Store, type WorkspaceRow, workspaceInfo } from "../../state/store.ts";
import { RigError, messageOf } from "../../errors.ts";
import { type Cli, projectOptions } from "../context.ts";
import { renderConfig, renderWorkspaces } from "../render.ts";
import { emit, err } from "../ui.ts";

const unknownWorkflow = (name: string, known: string[]) =>
  new RigError("UNKNOWN_WORKFLOW", `Unknown workflow "${name}"`, { detail: [`Workflows: ${known.join(", ")}`] });

/**
 * Whether any workspace can be asked about: one whose providers recorded resources, or one
 * older than resource recording (checked from its context). A state file from before v3,
 * read as it is, has no resources: nothing to ask until a command migrates it.
 */
function worthChecking(store: Store, rows: WorkspaceRow[], states: Map<WorkspaceRow, WorkspaceState>): boolean {
  if (store.schemaVersion() < 3) return false;
  const recorded = store.db.query("SELECT DISTINCT workflow, workspace FROM workspace_resources").all() as { workflow: string; workspace: string }[];
  const claimed = new Set(recorded.map((r) => `${r.workflow}\0${r.workspace}`));
  const since = store.resourcesSince();
  return rows.some(
    (row) => (states.get(row) === "ready" || states.get(row) === "stopped") && (claimed.has(`${row.workflow}\0${row.name}`) || row.created_at < since),
  );
}

/**
 * `rig ls [workspaces|config] [--workflow W] [--cached]`: workspaces with their live status
 * (SPEC §9), asked of their providers in one batched query per engine or host; `--cached`
 * answers from the state file alone, without loading the config or asking anyone.
 */
export default async function lsCommand(cli: Cli, what = "workspaces", opts: { cached?: boolean; workflow?: string } = {}): Promise<void> {
  if (what !== "workspaces" && what !== "config") {
    throw new RigError("USAGE", `rig ls lists "workspaces" or "config", not "${what}"`);
  }
  const options = projectOptions(cli.globals);
  const { location, store } = await openState(options, { readOnly: true });
  await reapLeftovers(stateDirOf(location)); // what a killed rig left running (src/host/supervisor.ts)
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
  let states = new Map<WorkspaceRow, WorkspaceState>(rows.map((row) => [row, recordedState(row)]));
  if (!opts.cached && store && worthChecking(store, rows, states)) {
    // Only now is the config worth loading: its providers answer for the workspaces.
    const { openProjectReadOnly } = await import("../../engine/project/project.ts");
    const { workspaceStates } = await import("../../engine/workspaces/status.ts");
    try {
      const project = await openProjectReadOnly(options);
      if (project) {
        const live = await workspaceStates(project, project.store.workspaces(), { live: true });
        const byKey = new Map([...live].map(([row, state]) => [`${row.workflow}\0${row.name}`, state]));
        states = new Map(rows.map((row) => [row, byKey.get(`${row.workflow}\0${row.name}`) ?? recordedState(row)]));
      }
    } catch (error) {
      // A broken config still lists the workspaces, as recorded, and says why it could not check.
      if (error instanceof RigError && error.code === "INTERRUPTED") throw error;
      err.line(`${err.colors.yellow("warning")} cannot check live status: ${messageOf(error)}; showing the recorded status`);
    }
  }
  const listed = rows.map((row) => ({
    ...workspaceInfo(row),
    status: states.get(row) as WorkspaceState,
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at).toISOString(),
  }));
  emit({ workspaces: listed }, () => renderWorkspaces(rows, (wf) => store?.finalCtx(wf)?.appliedAt ?? null, (row) => states.get(row) as WorkspaceState));
}
