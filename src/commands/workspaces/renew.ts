import { workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const renew = {
  name: "renew",
  description: "extend workspaces' leases (from now)",
  summary: "extend workspaces' leases",
  args: [{ name: "<workspace...>", completes: "workspace" }],
  options: [{ flags: "--ttl <duration>", description: "the new lease (default: the workspace's workflow's ttl)", completes: "none" }, workflowOption()],
  examples: ["rig renew ws1", "rig renew ws1 ws2 --ttl 8h"],
  workspaceOperationMayShadow: true,
} as const satisfies CommandSpec;
