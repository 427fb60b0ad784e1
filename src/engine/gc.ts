/**
 * `rig gc`: what providers made for this project that no workspace record owns (orphans:
 * left by a crash, a killed create, a hand-edited state), and records stuck in
 * `creating`/`removing` whose resources are gone. Runs under the project lock, so no
 * create or rm is in flight while it looks.
 */
import type { ProviderResource } from "../sdk/provider.ts";
import type { WorkspaceRow } from "../state/store.ts";
import { declarations } from "./checks.ts";
import type { Project } from "./project.ts";

export interface Orphan extends ProviderResource {
  /** The name the provider was added under. */
  provider: string;
}

export interface Garbage {
  orphans: Orphan[];
  stale: WorkspaceRow[];
}

/** A workspace owns a resource when its context has every field the resource names. */
export const owns = (row: WorkspaceRow, resource: ProviderResource): boolean => {
  const ctx = JSON.parse(row.ctx) as Record<string, unknown>;
  return Object.entries(resource.match).every(([key, value]) => ctx[key] === value);
};

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
    stale: rows.filter((row) => row.status !== "ready" && !resources.some(({ resource }) => owns(row, resource))),
  };
}

/** Destroys the orphans and forgets the stale records; returns what could not be removed. */
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
  for (const row of garbage.stale) project.store.deleteWorkspace(row.workflow, row.name);
  return failures;
}
