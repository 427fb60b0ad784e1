/**
 * Views that need the config itself: `GET /workflows/:w/graph` (the structure with the
 * plan's verdicts, src/serve/graph.ts) and `GET /workflows` (operations with their inputs
 * as JSON schemas, so a client can build a form).
 */
import { z } from "zod";
import { buildManifest } from "../engine/manifest.ts";
import { plan } from "../engine/plan.ts";
import { type Project, type ProjectOptions, openProject, openProjectReadOnly, selectWorkflow } from "../engine/project.ts";
import { type WorkflowGraph, workflowGraph } from "./graph.ts";

/** Read-only when there is a state file; the first look at a project creates it, as `rig plan` does. */
async function withProject<T>(options: ProjectOptions, use: (project: Project) => Promise<T>): Promise<T> {
  const project = (await openProjectReadOnly(options)) ?? (await openProject(options));
  try {
    return await use(project);
  } finally {
    project.store.close();
  }
}

export function graphOf(options: ProjectOptions, name: string): Promise<WorkflowGraph> {
  return withProject(options, async (project) => {
    const workflow = await selectWorkflow(project, name, "show");
    return workflowGraph(workflow, await plan(workflow, project.stores, project.registry));
  });
}

const inputSchema = (input: unknown): unknown => {
  if (!input) return { type: "object", properties: {} };
  try {
    return z.toJSONSchema(input as z.ZodType, { io: "input", unrepresentable: "any" });
  } catch {
    return null; // a schema JSON Schema cannot say: the client falls back to the flag list
  }
};

export function workflowsOf(options: ProjectOptions): Promise<unknown> {
  return withProject(options, async (project) => {
    const manifest = buildManifest(project.workflows);
    return {
      workflows: manifest.workflows.map((w, i) => {
        const compiled = project.workflows[i];
        const withSchema = (ops: typeof w.operations, nodes: Map<string, { input: unknown }> | undefined) =>
          ops.map((op) => ({ ...op, inputSchema: inputSchema(nodes?.get(op.id)?.input) }));
        return {
          name: w.name,
          tasks: w.tasks,
          // The providers the workspace hooks see (id, as added: `docker`, `local`), for "where it lives".
          providers: (compiled?.workspace?.scope.providers ?? []).map((p) => (p.name === p.definition.id ? p.name : `${p.name} (${p.definition.id})`)),
          workspaceOperations: withSchema(w.workspaceOperations, compiled?.workspaceOperations),
          operations: withSchema(w.operations, compiled?.operations),
        };
      }),
    };
  });
}
