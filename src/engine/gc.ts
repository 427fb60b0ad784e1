/**
 * `rig gc`: what providers made for this project that no workspace record owns (orphans:
 * left by a crash, a killed create, a lost or hand-edited state file), and workspaces a
 * killed rig left half-created or half-removed (`interrupted`), which gc finishes: it
 * destroys what their providers recorded and forgets them. Providers find their own
 * resources by label or owner marker, so nothing of another project is ever listed.
 */
import type { ProviderResource } from "../sdk/provider.ts";
import type { WorkspaceRow } from "../state/store.ts";
import { declarations } from "./checks.ts";
import type { Project } from "./project.ts";
import { recordedState } from "./status.ts";

export interface Orphan extends ProviderResource {
  /** The name the provider was added under. */
  provider: string;
}

export interface Garbage {
  orphans: Orphan[];
  /** Creates and removes whose rig died (or, from older rigs, that recorded no process). */
  stale: WorkspaceRow[];
}

/** A workspace owns a resource when its context has every field the resource names. */
export const owns = (row: WorkspaceRow, resource: ProviderResource): boolean => {
  const ctx = JSON.parse(row.ctx) as Record<string, unknown>;
  return Object.entries(resource.match).every(([key, value]) => ctx[key] === value);
};

/** Nobody will finish it: its process is gone, or an older rig recorded none. */
export const unfinished = (row: WorkspaceRow): boolean =>
  recordedState(row) === "interrupted" || ((row.status === "creating" || row.status === "removing") && row.pid === null);

export async function findGarbage(project: Project): Promise<Garbage> {
  const found = new Map<string, { decl: string; resource: ProviderResource }>();
  for (const decl of declarations(project.workflows)) {
    const controller = await project.registry.controller(decl);
    for (const resource of (await controller.resources?.()) ?? []) {
      if (!found.has(resource.id)) found.set(resource.id, { decl: decl.name, resource });
    }
  }
  const rows = project.store.workspaces();
  const resources = [...found.values()];
  return {
    orphans: resources.filter(({ resource }) => !rows.some((row) => owns(row, resource))).map(({ decl, resource }) => ({ ...resource, provider: decl })),
    stale: rows.filter(unfinished),
  };
}

/** Destroys the orphans and finishes the stale workspaces; returns what could not be removed. */
export async function collectGarbage(project: Project, garbage: Garbage): Promise<string[]> {
  const failures: string[] = [];
  const byName = new Map(declarations(project.workflows).map((d) => [d.name, d]));
  for (const orphan of garbage.orphans) {
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
