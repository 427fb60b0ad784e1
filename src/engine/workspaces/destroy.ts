/**
 * Removing a workspace without its workflow (README "Ownership, status and recovery"): when the config
 * no longer defines the workflow, there is no remove hook to run, so rig destroys what
 * the workspace's providers recorded for it (`workspace_resources`), through the same
 * `destroy` path `rig gc` uses, found by the name the provider was added under in any
 * workflow. Records from before resources were recorded fall back to gc's matching of
 * provider resources against the workspace's context.
 */
import { RigError, messageOf } from "../../errors.ts";
import type { ProviderResource, WorkspaceResource } from "../../sdk/provider.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { declarations } from "../project/checks.ts";
import { owns } from "./ownership.ts";
import type { Project } from "../project/project.ts";
import { redact } from "../../host/secrets.ts";
import { declFor } from "./status.ts";

/** A claimed resource as `destroy` takes it: its string fields are the match. */
export function asProviderResource(resource: WorkspaceResource): ProviderResource {
  const match = Object.fromEntries(Object.entries(resource).filter((e): e is [string, string] => typeof e[1] === "string"));
  return { id: resource.id, match };
}

/** Destroys everything recorded (or, for old records, found) for a workspace, then forgets it. */
export async function destroyWorkspace(project: Project, row: WorkspaceRow): Promise<void> {
  const { store } = project;
  const logId = store.logStart("remove", row.workflow, row.name);
  store.updateWorkspace(row.workflow, row.name, { status: "removing" });
  const failures: string[] = [];
  try {
    const recorded = store.resources(row.workflow, row.name);
    const targets: { provider: string; resource: ProviderResource }[] = recorded.map((r) => ({
      provider: r.provider,
      resource: asProviderResource(JSON.parse(r.data) as WorkspaceResource),
    }));
    if (recorded.length === 0) {
      // A record from before resources were claimed: what providers list that its context owns.
      for (const decl of declarations(project.workflows)) {
        const controller = await project.registry.controller(decl);
        for (const resource of (await controller.resources?.()) ?? []) {
          if (owns(row, resource)) targets.push({ provider: decl.name, resource });
        }
      }
    }
    for (const { provider, resource } of targets) {
      const decl = declFor(project, row.workflow, provider);
      try {
        if (!decl) throw new Error(`no workflow in the config adds a provider named "${provider}" any more`);
        const controller = await project.registry.controller(decl);
        if (!controller.destroy) throw new Error(`provider ${provider} cannot destroy resources`);
        await controller.destroy(resource);
        store.forgetResource(row.workflow, row.name, provider, resource.id);
      } catch (error) {
        failures.push(`${provider}: ${resource.id}: ${redact(messageOf(error))}`);
      }
    }
  } catch (error) {
    failures.push(redact(messageOf(error)));
  }
  if (failures.length > 0) {
    store.logFinish(logId, "failed", { error: failures.join("; ") });
    throw new RigError("PROVIDER_FAILED", `Removing workspace ${row.name} failed: could not destroy what its providers recorded`, {
      detail: [...failures, "The record is kept; fix the cause and run `rig rm --force` again."],
    });
  }
  store.deleteWorkspace(row.workflow, row.name);
  store.logFinish(logId, "ok", { workflowGone: true });
}
