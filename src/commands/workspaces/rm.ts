import { workflowOption, yes } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const rm = {
  name: "rm",
  aliases: ["remove"],
  description: "remove workspaces (asks first on a terminal; --yes otherwise)",
  summary: "remove workspaces",
  args: [{ name: "[name...]", description: "workspaces to remove", completes: "workspace" }],
  options: [
    { flags: "--all", description: "remove every workspace (of --workflow, if given)" },
    yes,
    {
      flags: "--force",
      description: "stop operations running on it, and forget it even when its remove hook fails; without its workflow, destroy what its providers recorded",
    },
    workflowOption(),
  ],
  examples: ["rig rm ws1", "rig rm --all --yes"],
  fastLane: true,
} as const satisfies CommandSpec;
