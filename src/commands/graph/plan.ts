import { allWorkflows, discover, workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const plan = {
  name: "plan",
  description: "show, per task, whether it is cached or would run, and why",
  summary: "show what is cached and what would run",
  options: [workflowOption(), allWorkflows, discover],
  examples: ["rig plan", "rig plan --workflow app --json | jq .nodes", "rig plan --all", "rig plan --discover"],
  fastLane: true,
} as const satisfies CommandSpec;
