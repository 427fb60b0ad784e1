import { plan } from "../../engine/plan.ts";
import { openProject, selectWorkflow } from "../../engine/project.ts";
import { type Cli, projectOptions } from "../context.ts";
import { renderPlan } from "../render.ts";
import { emit } from "../ui.ts";

export default async function planCommand(cli: Cli, opts: { workflow?: string }): Promise<void> {
  const project = await openProject(projectOptions(cli.globals));
  const workflow = await selectWorkflow(project, opts.workflow, "plan");
  const result = await plan(workflow, project.store, project.registry);
  emit(result, () => renderPlan(result));
}
