import { workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const ls = {
  name: "ls",
  description: "list workspaces with their live status, grouped by workflow",
  summary: "list workspaces",
  args: [
    {
      name: "[what]",
      description: "workspaces (default), config, or snapshots (cached task runs holding images or prepared directories)",
      completes: "choices",
      values: ["workspaces", "config", "snapshots"],
    },
  ],
  options: [workflowOption("only this workflow's workspaces (or config)"), { flags: "--cached", description: "answer from the state file alone, without asking providers" }],
  examples: ["rig ls", "rig ls --json | jq '.workspaces[].status'", "rig ls --cached", "rig ls config --workflow app", "rig ls snapshots"],
  fastLane: true,
} as const satisfies CommandSpec;
