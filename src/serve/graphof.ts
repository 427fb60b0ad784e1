/** `GET /workflows/:w/graph`: the config's structure with the plan's verdicts (src/serve/graph.ts). */
import { plan } from "../engine/plan.ts";
import { type ProjectOptions, openProject, openProjectReadOnly, selectWorkflow } from "../engine/project.ts";
import { type WorkflowGraph, workflowGraph } from "./graph.ts";

export async function graphOf(options: ProjectOptions, name: string): Promise<WorkflowGraph> {
  // Read-only when there is a state file; the first look at a project creates it, as `rig plan` does.
  const project = (await openProjectReadOnly(options)) ?? (await openProject(options));
  try {
    const workflow = await selectWorkflow(project, name, "show");
    return workflowGraph(workflow, await plan(workflow, project.stores, project.registry));
  } finally {
    project.store.close();
  }
}
