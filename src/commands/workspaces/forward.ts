import { workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const forward = {
  name: "forward",
  description: "forward 127.0.0.1:<local> to a port in a workspace until Ctrl-C",
  summary: "forward ports of a workspace to 127.0.0.1",
  args: [
    { name: "<workspace>", completes: "workspace" },
    { name: "<port...>", description: "<port> or <port>:<local port>", completes: "none" },
  ],
  options: [workflowOption()],
  examples: ["rig forward ws1 8080", "rig forward ws1 80:8080 5432"],
  workspaceOperationMayShadow: true,
} as const satisfies CommandSpec;
