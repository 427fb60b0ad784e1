import { workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const stop = {
  name: "stop",
  description: "stop a workspace's machines, keeping their data (Docker containers); also rig <ws>/stop",
  summary: "stop workspaces' machines",
  args: [{ name: "<workspace...>", completes: "workspace" }],
  options: [workflowOption(), { flags: "--force", description: "stop operations running on it instead of waiting for them" }],
  examples: ["rig stop ws1", "rig stop ws1 ws2"],
} as const satisfies CommandSpec;
