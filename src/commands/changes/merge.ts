import { workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const merge = {
  name: "merge",
  description: "put a workspace's changes on branch rig/<ws> of the project's repository (working tree, index and HEAD untouched)",
  summary: "a workspace's changes as branch rig/<ws>",
  args: [{ name: "<workspace>", completes: "workspace" }],
  options: [{ flags: "--patch", description: "print the changes as a patch instead of making a branch" }, workflowOption()],
  examples: ["rig merge ws1 && git merge rig/ws1", "rig merge ws1 --patch > ws1.patch"],
  workspaceOperationMayShadow: true,
} as const satisfies CommandSpec;
