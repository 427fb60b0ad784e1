import { allWorkflows, concurrencyOption, discover, workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const apply = {
  name: "apply",
  description: "run the pending tasks of a workflow",
  summary: "run the pending tasks",
  options: [
    workflowOption(),
    allWorkflows,
    discover,
    { flags: "--dry-run", description: "show what would run without running it (same as plan)" },
    concurrencyOption,
  ],
  examples: ["rig apply", "rig apply --dry-run", "rig apply --all"],
  fastLane: true,
} as const satisfies CommandSpec;
