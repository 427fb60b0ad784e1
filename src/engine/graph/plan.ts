/** `rig plan`: the cache verdict of every task, without running any task code. */
import { type PendingReason, decide, snapshotLookup, upstreamKeys } from "./cache.ts";
import type { CompiledWorkflow } from "./compile.ts";
import type { ProviderRegistry } from "../project/providers.ts";
import type { Stores } from "../project/run-stores.ts";

export interface PlanNode {
  path: string;
  name: string;
  status: "cached" | "pending";
  reason: PendingReason | null;
  runId: string | null;
  /** Which cache holds the task's runs: the project's, or a `.global()` fragment's. */
  scope: "local" | "global";
}

export interface PlanResult {
  workflow: string;
  nodeCount: number;
  cachedCount: number;
  /** Upstream's name for cachedCount, kept beside it. */
  cachedNodeCount: number;
  nodes: PlanNode[];
}

export async function plan(workflow: CompiledWorkflow, stores: Stores, registry: ProviderRegistry): Promise<PlanResult> {
  const runIds: (string | null)[] = new Array(workflow.tasks.length).fill(null);
  const nodes: PlanNode[] = [];
  const now = Date.now();
  const lookup = snapshotLookup(false);
  for (const node of workflow.tasks) {
    const upstream = upstreamKeys(node, runIds, workflow.tasks, stores);
    const decided = decide(node, upstream, stores.of(node), registry, now, lookup);
    const verdict = decided instanceof Promise ? await decided : decided;
    const scope = node.fragment ? "global" : "local";
    if (verdict.status === "cached") {
      runIds[node.index] = verdict.run.id;
      nodes.push({ path: node.path, name: node.name, status: "cached", reason: null, runId: verdict.run.id, scope });
    } else {
      nodes.push({ path: node.path, name: node.name, status: "pending", reason: verdict.reason, runId: null, scope });
    }
  }
  const cachedCount = nodes.filter((n) => n.status === "cached").length;
  return { workflow: workflow.name, nodeCount: nodes.length, cachedCount, cachedNodeCount: cachedCount, nodes };
}
