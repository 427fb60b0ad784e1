/** Provider checks (`checks()` of each provider a workflow uses), for `plan` and `doctor`. */
import { messageOf } from "../errors.ts";
import { redact } from "./secrets.ts";
import type { CompiledWorkflow, ProviderDecl } from "./compile.ts";
import type { Project } from "./project.ts";

export interface CheckResult {
  /** The name the provider was added under. */
  provider: string;
  name: string;
  ok: boolean;
  message: string;
}

/** Every provider declaration a workflow uses, in tasks, hooks or operations, once each. */
export function declarations(workflows: CompiledWorkflow[]): ProviderDecl[] {
  const seen = new Map<number, ProviderDecl>();
  for (const w of workflows) {
    const scopes = [...w.tasks.map((t) => t.scope), ...(w.workspace ? [w.workspace.scope] : []), ...[...w.workspaceOperations.values(), ...w.operations.values()].map((o) => o.scope)];
    for (const scope of scopes) for (const decl of scope.providers) if (!seen.has(decl.key)) seen.set(decl.key, decl);
  }
  return [...seen.values()];
}

/** Runs all checks concurrently; a provider that cannot even start is one failed check. */
export async function providerChecks(project: Project, workflows: CompiledWorkflow[]): Promise<CheckResult[]> {
  const results = await Promise.all(
    declarations(workflows).map(async (decl): Promise<CheckResult[]> => {
      try {
        const controller = await project.registry.controller(decl);
        const checks = (await controller.checks?.()) ?? [];
        return checks.map((c) => ({ provider: decl.name, name: redact(c.name), ok: c.ok, message: redact(c.message ?? (c.ok ? "ok" : "failed")) }));
      } catch (error) {
        return [{ provider: decl.name, name: "setup", ok: false, message: redact(messageOf(error)) }];
      }
    }),
  );
  return results.flat();
}
