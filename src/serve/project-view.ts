/**
 * Views of a loaded project for `GET /workflows` and `GET /workflows/:w/graph`: the
 * compiled workflows with their operations' inputs as JSON schemas, and a workflow's
 * graph (sequences, parallel groups, tasks) with each task's plan verdict.
 */
import { z } from "zod";
import * as engine from "../engine/api.ts";
import type { CompiledWorkflow, OperationNode, Step } from "../engine/graph/compile.ts";
import type { Project } from "../engine/project/project.ts";
import { RigError } from "../errors.ts";

/** An operation's zod input as a JSON schema (an empty object schema when it has none). */
export function inputSchema(input: unknown): Record<string, unknown> {
  if (input === undefined || input === null) return { type: "object", properties: {} };
  try {
    const { $schema: _, ...schema } = z.toJSONSchema(input as z.ZodType, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
    return schema;
  } catch {
    return { type: "object" };
  }
}

const operation = (op: OperationNode, scope: "workspace" | "workflow") => ({
  id: op.id,
  title: op.title ?? null,
  description: op.description ?? null,
  scope,
  input: inputSchema(op.input),
});

export function workflowsDocument(project: Project) {
  return {
    workflows: project.workflows.map((w) => ({
      name: w.name,
      tasks: w.tasks.map((t) => t.path),
      hasWorkspaces: w.workspace !== null,
      // What the workspace hooks can use (`docker`, `local (local)`): the dashboard's "provider" column.
      providers: (w.workspace?.scope.providers ?? []).map((p) => (p.name === p.definition.id ? p.name : `${p.name} (${p.definition.id})`)),
      operations: [...[...w.workspaceOperations.values()].map((op) => operation(op, "workspace")), ...[...w.operations.values()].map((op) => operation(op, "workflow"))],
    })),
  };
}

interface GraphNode {
  id: string;
  path: string;
  name: string;
  kind: "task" | "sequence" | "parallel";
  status: string | null;
  reason: string | null;
  runId: string | null;
}

export function workflowOf(project: Project, name: string): CompiledWorkflow {
  const found = project.workflows.find((w) => w.name === name);
  if (!found) throw new RigError("UNKNOWN_WORKFLOW", `Unknown workflow "${name}"`, { detail: [`Workflows: ${project.workflows.map((w) => w.name).join(", ")}`] });
  return found;
}

/**
 * Nodes: the root sequence, each parallel group and its branches (sequences), each task
 * with its plan status. Edges: `contains` (a group to what it holds) and `feeds` (a task to
 * a task whose incoming context it makes).
 */
export async function graphOf(project: Project, name: string) {
  const workflow = workflowOf(project, name);
  const planned = (await engine.plan(project, { workflow: name }, { prompter: null })) as { nodes: { path: string; status: string; reason: string | null; runId: string | null }[] };
  const verdicts = new Map(planned.nodes.map((n) => [n.path, n]));
  const nodes: GraphNode[] = [];
  const edges: { from: string; to: string; type: "contains" | "feeds" }[] = [];
  const group = (id: string, path: string, label: string, kind: "sequence" | "parallel") => nodes.push({ id, path, name: label, kind, status: null, reason: null, runId: null });
  let parallels = 0;
  const walk = (step: Step, parent: string, prefix: string) => {
    if (step.kind === "task") {
      const verdict = verdicts.get(step.node.path);
      nodes.push({ id: step.node.path, path: step.node.path, name: step.node.name, kind: "task", status: verdict?.status ?? null, reason: verdict?.reason ?? null, runId: verdict?.runId ?? null });
      edges.push({ from: parent, to: step.node.path, type: "contains" });
    } else if (step.kind === "sequence") {
      for (const child of step.steps) walk(child, parent, prefix);
    } else {
      const id = `${prefix}#parallel-${++parallels}`;
      group(id, prefix, "parallel", "parallel");
      edges.push({ from: parent, to: id, type: "contains" });
      for (const [branch, child] of step.branches) {
        const path = prefix ? `${prefix}/${branch}` : branch;
        const branchId = `${path}#branch`;
        group(branchId, path, branch, "sequence");
        edges.push({ from: id, to: branchId, type: "contains" });
        walk(child, branchId, path);
      }
    }
  };
  const root = `${workflow.name}#root`;
  group(root, "", workflow.name, "sequence");
  walk(workflow.root, root, "");
  for (const task of workflow.tasks) for (const up of task.upstream) edges.push({ from: (workflow.tasks[up] as { path: string }).path, to: task.path, type: "feeds" });
  return { nodes, edges };
}
