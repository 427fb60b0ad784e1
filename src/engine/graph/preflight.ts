/**
 * Preflight (README "Preflight"): before the first pending task runs, the `checks()` of the
 * providers in scope of pending work run, so an unreachable engine fails the command
 * before any side effect instead of halfway through.
 */
import { RigError, isRigError, messageOf } from "../../errors.ts";
import type { CompiledWorkflow, ProviderDecl } from "./compile.ts";
import type { Project } from "../project/project.ts";
import { redact } from "../../host/secrets.ts";

/** Provider declarations of the given tasks (by index) and extra scopes, once each. */
export function inScope(workflow: CompiledWorkflow, pending: Set<string>, extra: readonly ProviderDecl[] = []): ProviderDecl[] {
  const seen = new Map<number, ProviderDecl>();
  for (const task of workflow.tasks) if (pending.has(task.path)) for (const decl of task.scope.providers) seen.set(decl.key, decl);
  for (const decl of extra) seen.set(decl.key, decl);
  return [...seen.values()];
}

/** Runs the checks concurrently; throws PROVIDER_UNAVAILABLE naming the first provider whose checks all failed. */
export async function preflight(project: Project, decls: ProviderDecl[]): Promise<void> {
  const failures = (
    await Promise.all(
      decls.map(async (decl) => {
        const controller = await project.registry.controller(decl); // config errors stay config errors
        try {
          const checks = (await controller.checks?.()) ?? [];
          // Checks a provider can do without (one host of a fleet) are warnings in plan and doctor.
          return checks.filter((c) => !c.ok && c.required !== false).map((c) => ({ provider: decl.name, text: `${c.name}: ${c.message ?? "failed"}` }));
        } catch (error) {
          if (isRigError(error) && error.code === "INTERRUPTED") throw error;
          return [{ provider: decl.name, text: `checks failed: ${messageOf(error)}` }];
        }
      }),
    )
  ).flat();
  const first = failures[0];
  if (!first) return;
  throw new RigError("PROVIDER_UNAVAILABLE", redact(`Provider ${first.provider} is not available: ${first.text}`), {
    detail: [...failures.slice(1).map((f) => redact(`also ${f.provider}: ${f.text}`)), "Nothing was run. Fix it (see `rig doctor`), then try again."],
    provider: first.provider,
  });
}
