/** `rig plan`: the cache verdict of every task, without running any task code. */
import type { Store } from "../state/store.ts";
import { type PendingReason, decide } from "./cache.ts";
import type { CompiledWorkflow } from "./compile.ts";
import type { ProviderRegistry } from "./providers.ts";

export interface PlanNode {
  path: string;
  name: string;
  status: "cached" | "pending";
  reason: PendingReason | null;
  runId: string | null;
}

export interface PlanResult {
  workflow: string;
  nodeCount: number;
  cachedCount: number;
  nodes: PlanNode[];
}

export async function plan(workflow: CompiledWorkflow, store: Store, registry: ProviderRegistry): Promise<PlanResult> {
  const runIds: (string | null)[] = new Array(workflow.tasks.length).fill(null);
  const nodes: PlanNode[] = [];
  const now = Date.now();
  for (const node of workflow.tasks) {
    const verdict = await decide(node, node.upstream.map((i) => runIds[i] ?? null), store, registry, now);
    if (verdict.status === "cached") {
      runIds[node.index] = verdict.run.id;
      nodes.push({ path: node.path, name: node.name, status: "cached", reason: null, runId: verdict.run.id });
    } else {
      nodes.push({ path: node.path, name: node.name, status: "pending", reason: verdict.reason, runId: null });
    }
  }
  return {
    workflow: workflow.name,
    nodeCount: nodes.length,
    cachedCount: nodes.filter((n) => n.status === "cached").length,
    nodes,
  };
}
