/**
 * `rig create ws2 --from ws1`: a new workspace holding a copy of ws1's current state, made
 * by the `fork` method of each provider that claimed resources for ws1 (a directory copy,
 * a container commit and a new container, a copy beside it on the same host). The new
 * workspace belongs to ws1's workflow and is independent of ws1 afterwards; no create
 * hook runs. Everything else (the name claimed, resources recorded and checked, rollback,
 * error codes) is createWorkspace's (src/engine/workspaces/lifecycle.ts), which calls this.
 */
import { RigError } from "../../errors.ts";
import type { JsonObject } from "../../sdk/types.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { accessAll } from "./access.ts";
import type { Project } from "../project/project.ts";
import type { EngineWorkspace } from "../project/providers.ts";
import { redact } from "../../host/secrets.ts";
import { requireReady } from "./status.ts";

export interface Fork {
  /** Copies the source into `workspace`, provider by provider; the new workspace's ctx. */
  into(workspace: EngineWorkspace, options: { signal?: AbortSignal; output?: (workspace: string, line: string) => void }): Promise<JsonObject>;
}

/** Checks that `source` is live and every provider of it can copy it. */
export async function prepareFork(project: Project, source: WorkspaceRow): Promise<Fork> {
  await requireReady(project, source);
  const providers = await accessAll(project, source);
  const unable = providers.filter((p) => typeof p.controller.fork !== "function").map((p) => p.decl.definition.id);
  if (providers.length === 0 || unable.length > 0) {
    throw new RigError("USAGE", `Workspace ${source.name} cannot be forked`, {
      detail: [
        providers.length === 0
          ? "No provider recorded resources for it; create a new workspace instead."
          : `Provider ${unable.join(", ")} cannot copy a live workspace; see docs/providers.md.`,
      ],
    });
  }
  return {
    async into(workspace, options) {
      const signal = options.signal ?? new AbortController().signal;
      let ctx = JSON.parse(source.ctx) as JsonObject;
      for (const { decl, controller, handle } of providers) {
        const made = await (controller.fork as NonNullable<typeof controller.fork>)(
          handle,
          { name: workspace.name, record: (partial) => workspace.record(partial), claim: (resource) => workspace.claim(decl.name, resource) },
          { signal, log: (line) => options.output?.(workspace.name, redact(line)) },
        );
        ctx = { ...ctx, ...made };
      }
      return ctx;
    },
  };
}
