/**
 * `list` (rig ls) and `log` (rig log): read-only, from the state file; `list` asks the
 * providers for live status (README "Workspace status") unless `cached`. Neither takes the
 * lock, and `list` loads the config only when some workspace can be asked about. Each has
 * a view (what a renderer needs) and the `--json` document made from it.
 */
import { RigError, messageOf } from "../../errors.ts";
import { reapLeftovers } from "../../host/supervisor.ts";
import { type OplogRow, type Store, type WorkspaceInfo, type WorkspaceRow, workspaceInfo } from "../../state/store.ts";
import { openState, stateDirOf } from "../project/locate.ts";
import { type Manifest, readManifest } from "../project/manifest.ts";
import { parseLimit } from "../options.ts";
import { oplogStatus } from "../project/recovery.ts";
import { isOutdated } from "../workspaces/outdated.ts";
import { type WorkspaceState, recordedState } from "../workspaces/status.ts";
import { type CallOptions, type ProjectRef, callParts, openedProject, optionsOf, stateOf } from "./call.ts";

const unknownWorkflow = (name: string, known: string[]) =>
  new RigError("UNKNOWN_WORKFLOW", `Unknown workflow "${name}"`, { detail: known.length ? [`Workflows: ${known.join(", ")}`] : [] });

export interface ListInput {
  workflow?: string;
  /** Answer from the state file alone, without asking providers. */
  cached?: boolean;
}

export interface ListView {
  rows: WorkspaceRow[];
  states: Map<WorkspaceRow, WorkspaceState>;
  /** When each workflow was last applied. */
  appliedAt: (workflow: string) => number | null;
  /** Made from a base a later apply replaced (engine/workspaces/outdated.ts). */
  outdated: (row: WorkspaceRow) => boolean;
}

export type ListedWorkspace = WorkspaceInfo & { status: WorkspaceState; expiresAt: string | null; outdated: boolean };

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

const manifestOf = (store: Store | null): Manifest | null => {
  const body = store?.manifest();
  return body ? (JSON.parse(body) as Manifest) : null; // parsed here: readManifest would load hashing code
};

/** The workspaces and their status, for rendering; `listWorkspaces` is its document. */
export async function listView(ref: ProjectRef, input: ListInput = {}, call: CallOptions = {}): Promise<ListView> {
  const options = optionsOf(ref);
  const { location, store } = await stateOf(ref, { readOnly: true });
  await reapLeftovers(stateDirOf(location)); // what a killed rig left running (src/host/supervisor.ts)
  const rows = (store?.workspaces() ?? []).filter((r) => input.workflow === undefined || r.workflow === input.workflow);
  if (input.workflow !== undefined && rows.length === 0 && store) {
    const known = [...new Set([...(manifestOf(store)?.workflows.map((w) => w.name) ?? []), ...store.workspaces().map((w) => w.workflow)])];
    if (known.length > 0 && !known.includes(input.workflow)) throw unknownWorkflow(input.workflow, known);
  }
  let states = new Map<WorkspaceRow, WorkspaceState>(rows.map((row) => [row, recordedState(row)]));
  if (!input.cached && store && worthChecking(store, rows, states)) {
    // Only now is the config worth loading: its providers answer for the workspaces.
    const { openProjectReadOnly } = await import("../project/project.ts");
    const { workspaceStates } = await import("../workspaces/status.ts");
    try {
      const project = openedProject(ref) ?? (await openProjectReadOnly(options));
      if (project) {
        const live = await workspaceStates(project, project.store.workspaces(), { live: true });
        const byKey = new Map([...live].map(([row, state]) => [`${row.workflow}\0${row.name}`, state]));
        states = new Map(rows.map((row) => [row, byKey.get(`${row.workflow}\0${row.name}`) ?? recordedState(row)]));
      }
    } catch (error) {
      // A broken config still lists the workspaces, as recorded, and says why it could not check.
      if (error instanceof RigError && error.code === "INTERRUPTED") throw error;
      callParts(call).emit({ type: "notice", level: "warning", message: `cannot check live status: ${messageOf(error)}; showing the recorded status` });
    }
  }
  // Made from a base a later apply replaced: from the state file alone, so `cached` says it
  // too. (A file read as it is, before v5, knows nothing of it.)
  const results = store && store.schemaVersion() >= 5 ? store.results() : new Map<string, string | null>();
  const outdated = (row: WorkspaceRow) => isOutdated(row.made_from ?? null, results.get(row.workflow));
  for (const row of rows) {
    callParts(call).emit({ type: "workspace.status", workflow: row.workflow, name: row.name, status: states.get(row) as string, outdated: outdated(row) });
  }
  return { rows, states, appliedAt: (wf) => store?.finalCtx(wf)?.appliedAt ?? null, outdated };
}

/** Upstream's `ls --json` also groups by workflow: `workflows`, beside (never instead of) the documented keys (README "A tour of the commands", `--json` shapes). */
export interface ListedWorkflow {
  name: string;
  workspaces: string[];
  appliedAt: string | null;
}

export const listDocument = (view: ListView): { workspaces: ListedWorkspace[]; workflows: ListedWorkflow[] } => ({
  workspaces: view.rows.map((row) => ({
    ...workspaceInfo(row),
    status: view.states.get(row) as WorkspaceState,
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at).toISOString(),
    outdated: view.outdated(row),
  })),
  workflows: [...new Set(view.rows.map((r) => r.workflow))].map((name) => {
    const applied = view.appliedAt(name);
    return { name, workspaces: view.rows.filter((r) => r.workflow === name).map((r) => r.name), appliedAt: applied === null ? null : new Date(applied).toISOString() };
  }),
});

/** `rig ls`: `{"workspaces":[{"name","workflow","ctx","createdAt","status","expiresAt","outdated"}],"workflows":[…]}`. */
export async function listWorkspaces(ref: ProjectRef, input: ListInput = {}, call: CallOptions = {}): Promise<{ workspaces: ListedWorkspace[]; workflows: ListedWorkflow[] }> {
  return listDocument(await listView(ref, input, call));
}

/** `rig ls config`: the workflows as the manifest saved by the last config load has them. */
export async function listConfig(ref: ProjectRef, input: { workflow?: string } = {}): Promise<{ workflows: Manifest["workflows"] }> {
  const { location, store } = await stateOf(ref, { readOnly: true });
  await reapLeftovers(stateDirOf(location));
  const manifest = manifestOf(store);
  const all = manifest?.workflows ?? [];
  const workflows = all.filter((w) => input.workflow === undefined || w.name === input.workflow);
  if (input.workflow !== undefined && workflows.length === 0 && all.length > 0) throw unknownWorkflow(input.workflow, all.map((w) => w.name));
  return { workflows };
}

export interface LogInput {
  workflow?: string;
  /** How many entries (default 50). */
  limit?: string | number;
}

export interface LogEntry {
  kind: string;
  workflow: string | null;
  target: string | null;
  status: string;
  startedAt: string;
  durationMs: number | null;
  detail: unknown;
}

/** The history rows, for rendering; `log` is its document. */
export async function logView(ref: ProjectRef, input: LogInput = {}): Promise<OplogRow[]> {
  const limit = parseLimit(input.limit);
  const { location, store } = await stateOf(ref, { readOnly: true });
  await reapLeftovers(stateDirOf(location)); // what a killed rig left running (src/host/supervisor.ts)
  if (!store) return [];
  if (input.workflow !== undefined) {
    const known = new Set([...(readManifest(store)?.workflows.map((w) => w.name) ?? []), ...store.knownWorkflows()]);
    if (!known.has(input.workflow)) throw unknownWorkflow(input.workflow, [...known]);
  }
  // A running entry whose rig died shows as interrupted, even before a command records it.
  return store.oplog(input.workflow, limit).map((r) => ({ ...r, status: oplogStatus(r) }));
}

export const logDocument = (rows: OplogRow[]): { entries: LogEntry[] } => ({
  entries: rows.map((r) => ({
    kind: r.kind,
    workflow: r.workflow,
    target: r.target,
    status: r.status,
    startedAt: new Date(r.started_at).toISOString(),
    durationMs: r.duration_ms,
    detail: r.detail === null ? null : JSON.parse(r.detail),
  })),
});

/** `rig log`: `{"entries":[{"kind","workflow","target","status","startedAt","durationMs","detail"}]}`. */
export async function log(ref: ProjectRef, input: LogInput = {}): Promise<{ entries: LogEntry[] }> {
  return logDocument(await logView(ref, input));
}

export interface Snapshot {
  workflow: string;
  path: string;
  name: string;
  runId: string;
  createdAt: string;
  invalidated: boolean;
  /** The artifact refs (`{ provider, kind, … }`) of its output: images, prepared directories. */
  artifacts: unknown[];
}

/**
 * `rig ls snapshots` (upstream's name): the successful task runs whose output holds
 * artifacts (snapshot images, prepared directories), newest first, from the state file
 * alone.
 */
export async function listSnapshots(ref: ProjectRef, input: { workflow?: string } = {}): Promise<{ snapshots: Snapshot[] }> {
  const { store } = await openState(optionsOf(ref), { readOnly: true });
  if (!store) return { snapshots: [] };
  try {
    const rows = store.db
      .query("SELECT id, workflow, path, name, artifacts, invalidated, finished_at FROM task_runs WHERE status = 'ok' AND artifacts IS NOT NULL AND artifacts NOT IN ('', '[]') ORDER BY finished_at DESC")
      .all() as { id: string; workflow: string; path: string; name: string; artifacts: string; invalidated: number; finished_at: number }[];
    return {
      snapshots: rows
        .filter((r) => input.workflow === undefined || r.workflow === input.workflow)
        .map((r) => ({ workflow: r.workflow, path: r.path, name: r.name, runId: r.id, createdAt: new Date(r.finished_at).toISOString(), invalidated: r.invalidated === 1, artifacts: JSON.parse(r.artifacts) as unknown[] })),
    };
  } finally {
    store.close();
  }
}
