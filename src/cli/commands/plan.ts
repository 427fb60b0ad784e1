import { providerChecks } from "../../engine/checks.ts";
import { plan } from "../../engine/plan.ts";
import { openProject, selectWorkflow } from "../../engine/project.ts";
import { type Cli, projectOptions } from "../context.ts";
import { renderPlan } from "../render.ts";
import { emit, err } from "../ui.ts";

export default async function planCommand(cli: Cli, opts: { workflow?: string }): Promise<void> {
  const project = await openProject(projectOptions(cli.globals));
  const workflow = await selectWorkflow(project, opts.workflow, "plan");
  // Provider checks run alongside (reachability, engines); problems are warnings on stderr.
  const [result, checks] = await Promise.all([plan(workflow, project.stores, project.registry), providerChecks(project, [workflow])]);
  for (const c of checks) if (!c.ok) err.line(`${err.colors.yellow("warning")} provider ${c.provider}: ${c.name}: ${c.message}`);
  emit(result, () => renderPlan(result));
}
