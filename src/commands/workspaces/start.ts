import { workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const start = {
  name: "start",
  description: "start a stopped workspace's machines; also rig <ws>/start",
  summary: "start stopped workspaces",
  args: [{ name: "<workspace...>", completes: "workspace" }],
  options: [workflowOption()],
  examples: ["rig start ws1"],
} as const satisfies CommandSpec;
