import { renewLease } from "../../engine/workspaces/expiry.ts";
import { openProject } from "../../engine/project/project.ts";
import { resolveWorkspace } from "../../engine/workspaces/lifecycle.ts";
import { RigError } from "../../errors.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { type Cli, lockProject, projectOptions } from "../context.ts";
import { lifecycleNotes } from "../render.ts";
import { emit, out } from "../ui.ts";
import { parseTtl } from "./create.ts";

/** `rig renew <ws…> [--ttl D]`: each lease runs D (default: the workflow's ttl) from now. */
export default async function renewCommand(cli: Cli, names: string[], opts: { ttl?: string; workflow?: string }): Promise<void> {
  const ttlFlag = opts.ttl === undefined ? undefined : parseTtl(opts.ttl);
  const project = await openProject(projectOptions(cli.globals));
  const rows: WorkspaceRow[] = [];
  for (const name of [...new Set(names)]) rows.push(await resolveWorkspace(project, name, opts.workflow));
  const ttls = rows.map((row) => {
    const ttl = ttlFlag ?? project.workflows.find((w) => w.name === row.workflow)?.workspace?.ttlMs ?? null;
    if (ttl === null) {
      throw new RigError("USAGE", `rig renew ${row.name}: how long? pass --ttl <duration>`, {
        detail: [`Workflow ${row.workflow} sets no default lease (.workspace({ ttl }).`],
      });
    }
    return ttl;
  });
  await lockProject(cli, project.store, `renew ${rows.map((r) => r.name).join(" ")}`);
  const renewed = rows.map((row, i) => renewLease(project, project.store.workspace(row.workflow, row.name) ?? row, ttls[i] as number));
  const leases = renewed.map((row) => ({ name: row.name, workflow: row.workflow, expiresAt: new Date(row.expires_at as number).toISOString() }));
  emit({ workspaces: leases }, () =>
    renewed.map((row) => `${out.colors.green("✓")} ${row.name}: ${lifecycleNotes({ ...row, from_workspace: null }).join("")}`).join("\n"),
  );
}
