import { workflowOption } from "./shared.ts";
import type { CommandSpec } from "./spec.ts";

export const exec = {
  name: "exec",
  description: "run a command in a workspace (its directory, container or remote directory); exits with its exit code",
  summary: "run a command in a workspace",
  args: [
    { name: "<workspace>", completes: "workspace" },
    { name: "[command...]", description: "the command and its arguments (after --, so its flags stay its own)", completes: "none" },
  ],
  options: [workflowOption()],
  examples: ["rig exec ws1 -- make test", "rig exec ws1 -- sh -c 'echo $PWD'", "rig exec ws1 --json -- cat VERSION | jq -r .stdout"],
  ownParser: true,
  workspaceOperationMayShadow: true,
} as const satisfies CommandSpec;
