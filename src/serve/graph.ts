/**
 * A workflow's graph for `GET /workflows/:w/graph`: tasks, and the sequences and parallel
 * blocks that shape them, as nodes and edges a client can lay out; each task carries its
 * plan verdict (cached, or pending with the reason).
 */
import type { CompiledWorkflow, Step } from "../engine/compile.ts";
import type { PlanResult } from "../engine/plan.ts";

export interface GraphNode {
  id: string;
  path: string;
  name: string;
  kind: "task" | "sequence" | "parallel";
  status: "cached" | "pending" | null;
  reason: string | null;
  runId: string | null;
}

export interface WorkflowGraph {
  workflow: string;
  nodes: GraphNode[];
  edges: { from: string; to: string }[];
}

/**
 * Edges follow the flow: a task → the next step; a parallel block → each branch (a
 * sequence node named by the branch) → its steps; every branch's last steps → what follows.
 */
export function workflowGraph(workflow: CompiledWorkflow, planned: PlanResult): WorkflowGraph {
  const verdicts = new Map(planned.nodes.map((n) => [n.path, n]));
  const nodes: GraphNode[] = [];
  const edges: { from: string; to: string }[] = [];
  const link = (from: string[], to: string) => {
    for (const f of from) edges.push({ from: f, to });
  };
  let blocks = 0;
  const walk = (step: Step, prefix: string, incoming: string[]): string[] => {
    if (step.kind === "task") {
      const v = verdicts.get(step.node.path);
      nodes.push({ id: step.node.path, path: step.node.path, name: step.node.name, kind: "task", status: v?.status ?? null, reason: v?.reason ?? null, runId: v?.runId ?? null });
      link(incoming, step.node.path);
      return [step.node.path];
    }
    if (step.kind === "sequence") {
      let exits = incoming;
      for (const child of step.steps) exits = walk(child, prefix, exits);
      return exits;
    }
    const id = `${prefix}#parallel${++blocks}`;
    nodes.push({ id, path: id, name: step.branches.map(([name]) => name).join(" | "), kind: "parallel", status: null, reason: null, runId: null });
    link(incoming, id);
    const exits: string[] = [];
    for (const [name, branch] of step.branches) {
      const branchPath = prefix ? `${prefix}/${name}` : name;
      const branchId = `${branchPath}#branch`;
      nodes.push({ id: branchId, path: branchId, name, kind: "sequence", status: null, reason: null, runId: null });
      link([id], branchId);
      exits.push(...walk(branch, branchPath, [branchId]));
    }
    return exits;
  };
  walk(workflow.root, "", []);
  return { workflow: workflow.name, nodes, edges };
}
