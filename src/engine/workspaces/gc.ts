/**
 * `rig gc`: what providers made for this project that no workspace record owns (orphans:
 * left by a crash, a killed create, a lost or hand-edited state file), and workspaces a
 * killed rig left half-created or half-removed (`interrupted`), which gc finishes: it
 * destroys what their providers recorded and forgets them. Providers find their own
 * resources by label or owner marker, so nothing of another project is ever listed.
 */
import type { ProviderResource } from "../../sdk/provider.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { declarations } from "../project/checks.ts";
import type { Project } from "../project/project.ts";
import { oplogStatus } from "../project/recovery.ts";
import { owns } from "./ownership.ts";
import { recordedState } from "./status.ts";

export interface Orphan extends ProviderResource {
  /** The name the provider was added under. */
  provider: string;
}

export interface Garbage {
  orphans: Orphan[];
  /** Snapshot images and prepared directories no cached run (and no workspace) references. */
  unused: Orphan[];
  /** Creates and removes whose rig died (or, from older rigs, that recorded no process). */
  stale: WorkspaceRow[];
}

/** Nobody will finish it: its process is gone, or an older rig recorded none. */
export const unfinished = (row: WorkspaceRow): boolean =>
  recordedState(row) === "interrupted" || ((row.status === "creating" || row.status === "removing") && row.pid === null);

/**
 * Everything a cached run or a workspace still uses, as one text to search: the outputs of
 * successful runs not invalidated, and every workspace's context and resources.
 */
function referenced(project: Project): string {
  const { db } = project.store;
  const runs = db.query("SELECT output, artifacts FROM task_runs WHERE status = 'ok' AND invalidated = 0").all() as { output: string | null; artifacts: string | null }[];
  const workspaces = db.query("SELECT ctx FROM workspaces").all() as { ctx: string }[];
  return [...runs.flatMap((r) => [r.output ?? "", r.artifacts ?? ""]), ...workspaces.map((w) => w.ctx), ...project.store.resources().map((r) => r.data)].join("\n");
}

/** An apply running now may be preparing an artifact it has not recorded yet: leave artifacts alone. */
const applying = (project: Project): boolean =>
  project.store.oplog(undefined, 50).some((r) => r.kind === "apply" && oplogStatus(r) === "running");

export async function findGarbage(project: Project): Promise<Garbage> {
  const found = new Map<string, { decl: string; resource: ProviderResource }>();
  const artifacts = new Map<string, { decl: string; resource: ProviderResource }>();
  const busy = applying(project);
  for (const decl of declarations(project.workflows)) {
    const controller = await project.registry.controller(decl);
    for (const resource of (await controller.resources?.()) ?? []) {
      if (!found.has(resource.id)) found.set(resource.id, { decl: decl.name, resource });
    }
    for (const resource of busy ? [] : ((await controller.artifacts?.()) ?? [])) {
      if (!artifacts.has(resource.id)) artifacts.set(resource.id, { decl: decl.name, resource });
    }
  }
  const used = artifacts.size > 0 ? referenced(project) : "";
  const rows = project.store.workspaces();
  const resources = [...found.values()];
  return {
    orphans: resources.filter(({ resource }) => !rows.some((row) => owns(row, resource))).map(({ decl, resource }) => ({ ...resource, provider: decl })),
    stale: rows.filter(unfinished),
    unused: [...artifacts.values()]
      .filter(({ resource }) => typeof resource.match.ref === "string" && resource.match.ref !== "" && !used.includes(JSON.stringify(resource.match.ref)))
      .map(({ decl, resource }) => ({ ...resource, provider: decl })),
  };
}

/** Destroys the orphans and finishes the stale workspaces; returns what could not be removed. */
export async function collectGarbage(project: Project, garbage: Garbage): Promise<string[]> {
  const failures: string[] = [];
  const byName = new Map(declarations(project.workflows).map((d) => [d.name, d]));
  for (const orphan of [...garbage.orphans, ...garbage.unused]) {
    try {
      const decl = byName.get(orphan.provider);
      if (decl) await (await project.registry.controller(decl)).destroy?.(orphan);
    } catch (error) {
      failures.push(`${orphan.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const { destroyWorkspace } = await import("./destroy.ts");
  for (const row of garbage.stale) {
    try {
      await destroyWorkspace(project, row);
    } catch (error) {
      failures.push(`workspace ${row.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failures;
}
