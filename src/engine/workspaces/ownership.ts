/**
 * Which workspace record owns a resource a provider lists: shared by `rig gc` (orphans are
 * what no record owns) and destroying a workspace without its workflow (rm --force).
 */
import type { ProviderResource } from "../../sdk/provider.ts";
import type { WorkspaceRow } from "../../state/store.ts";

/** A workspace owns a resource when its context has every field the resource names. */
export const owns = (row: WorkspaceRow, resource: ProviderResource): boolean => {
  const ctx = JSON.parse(row.ctx) as Record<string, unknown>;
  return Object.entries(resource.match).every(([key, value]) => ctx[key] === value);
};
