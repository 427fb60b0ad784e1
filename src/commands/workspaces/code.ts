import { workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const code = {
  name: "code",
  description: "open VS Code on a workspace (local folder, Remote-SSH, attached container)",
  summary: "open VS Code on a workspace",
  args: [{ name: "<workspace>", completes: "workspace" }],
  options: [{ flags: "--print", description: "print the command and URI instead of running code" }, workflowOption()],
  examples: ["rig code ws1", "rig code ws1 --print"],
  workspaceOperationMayShadow: true,
} as const satisfies CommandSpec;
