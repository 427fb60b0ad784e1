import { workflowOption } from "./shared.ts";
import type { CommandSpec } from "./spec.ts";

export const run = {
  name: "run",
  description: "run a workspace operation: rig run <workspace> <operation> [flags]",
  summary: "run a workspace operation",
  args: [
    { name: "<workspace>", completes: "workspace" },
    { name: "<operation>", completes: "operation" },
  ],
  options: [workflowOption()],
  examples: ["rig run ws1 test --filter unit"],
  passThrough: true,
} as const satisfies CommandSpec;
