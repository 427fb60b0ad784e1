import { openState, stateDirOf } from "../../engine/project/locate.ts";
import { reapLeftovers } from "../../host/supervisor.ts";
import { readManifest } from "../../engine/project/manifest.ts";
import { oplogStatus } from "../../engine/project/recovery.ts";
import { RigError } from "../../errors.ts";
import { type Cli, projectOptions } from "../context.ts";
import { renderLog } from "../render.ts";
import { emit } from "../ui.ts";

/** `rig log`: the operation history kept in the state file. */
export default async function logCommand(cli: Cli, opts: { workflow?: string; limit?: string }): Promise<void> {
  const limit = Number(opts.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) throw new RigError("USAGE", `-n/--limit must be a positive whole number, not "${opts.limit}"`);
  const { location, store } = await openState(projectOptions(cli.globals), { readOnly: true });
  await reapLeftovers(stateDirOf(location)); // what a killed rig left running (src/host/supervisor.ts)
  if (!store) {
    emit({ entries: [] }, () => renderLog([]));
    return;
  }
  if (opts.workflow !== undefined) {
    const known = new Set([...(readManifest(store)?.workflows.map((w) => w.name) ?? []), ...store.knownWorkflows()]);
    if (!known.has(opts.workflow)) {
      throw new RigError("UNKNOWN_WORKFLOW", `Unknown workflow "${opts.workflow}"`, { detail: known.size ? [`Workflows: ${[...known].join(", ")}`] : [] });
    }
  }
  // A running entry whose rig died shows as interrupted, even before a command records it.
  const rows = store.oplog(opts.workflow, limit).map((r) => ({ ...r, status: oplogStatus(r) }));
  const entries = rows.map((r) => ({
    kind: r.kind,
    workflow: r.workflow,
    target: r.target,
    status: r.status,
    startedAt: new Date(r.started_at).toISOString(),
    durationMs: r.duration_ms,
    detail: r.detail === null ? null : JSON.parse(r.detail),
  }));
  emit({ entries }, () => renderLog(rows));
}
