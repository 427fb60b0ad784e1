import { apply } from "../../engine/apply.ts";
import { plan } from "../../engine/plan.ts";
import { openProject, selectWorkflow } from "../../engine/project.ts";
import { type Cli, applyOptions, lockProject, projectOptions } from "../context.ts";
import { renderApply, renderPlan } from "../render.ts";
import { emit } from "../ui.ts";

export default async function applyCommand(cli: Cli, opts: { workflow?: string; dryRun?: boolean; concurrency?: string }): Promise<void> {
  const options = applyOptions(cli, opts); // a bad --concurrency fails before any work
  const project = await openProject(projectOptions(cli.globals));
  const workflow = await selectWorkflow(project, opts.workflow, "apply");
  if (opts.dryRun) {
    const result = await plan(workflow, project.stores, project.registry);
    emit(result, () => renderPlan(result));
    return;
  }
  await lockProject(cli, project.store, `apply --workflow ${workflow.name}`);
  const started = performance.now();
  const result = await apply(workflow, project, options);
  emit(result, () => renderApply(result, performance.now() - started));
}
