import { workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const shell = {
  name: "shell",
  description: "open an interactive login shell in a workspace (needs a terminal)",
  summary: "open a shell in a workspace",
  args: [{ name: "<workspace>", completes: "workspace" }],
  options: [workflowOption()],
  examples: ["rig shell ws1"],
  workspaceOperationMayShadow: true,
} as const satisfies CommandSpec;
