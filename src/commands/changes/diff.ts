import { workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const diff = {
  name: "diff",
  description: "show what changed in a workspace since it was made (a unified diff)",
  summary: "what changed in a workspace",
  args: [{ name: "<workspace>", completes: "workspace" }],
  options: [{ flags: "--stat", description: "only the changed files and their line counts" }, workflowOption()],
  examples: ["rig diff ws1", "rig diff ws1 --stat", "rig diff ws1 | git apply", "rig diff ws1 --json | jq '.files[].path'"],
  workspaceOperationMayShadow: true,
} as const satisfies CommandSpec;
