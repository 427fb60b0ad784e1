import { workflowOption } from "./shared.ts";
import type { CommandSpec } from "./spec.ts";

export const ls = {
  name: "ls",
  description: "list workspaces with their live status, grouped by workflow",
  summary: "list workspaces",
  args: [{ name: "[what]", description: "workspaces (default) or config", completes: "choices", values: ["workspaces", "config"] }],
  options: [workflowOption("only this workflow's workspaces (or config)"), { flags: "--cached", description: "answer from the state file alone, without asking providers" }],
  examples: ["rig ls", "rig ls --json | jq '.workspaces[].status'", "rig ls --cached", "rig ls config --workflow app"],
  fastLane: true,
} as const satisfies CommandSpec;
