/** Provider checks (`checks()` of each provider a workflow uses), for `plan` and `doctor`. */
import { messageOf } from "../../errors.ts";
import { redact } from "../../host/secrets.ts";
import type { CompiledWorkflow, ProviderDecl } from "../graph/compile.ts";
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
  // Scopes share their provider lists until one changes: each list is looked at once.
  const lists = new Set<readonly ProviderDecl[]>();
  for (const w of workflows) {
    let last: readonly ProviderDecl[] | undefined;
    for (const t of w.tasks) if (t.scope.providers !== last) lists.add((last = t.scope.providers));
    if (w.workspace) lists.add(w.workspace.scope.providers);
    for (const o of w.workspaceOperations.values()) lists.add(o.scope.providers);
    for (const o of w.operations.values()) lists.add(o.scope.providers);
  }
  for (const list of lists) for (const decl of list) if (!seen.has(decl.key)) seen.set(decl.key, decl);
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
