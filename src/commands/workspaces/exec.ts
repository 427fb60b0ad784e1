import { manyOptions, workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const exec = {
  name: "exec",
  description: "run a command in a workspace (its directory, container or remote directory); exits with its exit code",
  summary: "run a command in a workspace",
  args: [
    { name: "[workspace]", description: "the workspace (or --all, or -w a,b)", completes: "workspace" },
    { name: "[command...]", description: "the command and its arguments (after --, so its flags stay its own)", completes: "none" },
  ],
  options: [
    workflowOption(),
    ...manyOptions("run it in every workspace (of --workflow, if given), concurrently", "run it in these workspaces (comma-separated), concurrently"),
  ],
  examples: [
    "rig exec ws1 -- make test",
    "rig exec ws1 -- sh -c 'echo $PWD'",
    "rig exec ws1 --json -- cat VERSION | jq -r .stdout",
    "rig exec --all -- npm test           # every workspace at once; exits with the worst code",
    "rig exec -w ws1,ws2 --concurrency 1 -- make",
  ],
  ownParser: true,
  workspaceOperationMayShadow: true,
} as const satisfies CommandSpec;
