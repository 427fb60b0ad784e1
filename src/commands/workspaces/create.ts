import { concurrencyOption, workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const create = {
  name: "create",
  description: "apply, then create workspaces from the prepared result",
  summary: "create workspaces",
  args: [{ name: "[name...]", description: "workspace names: letters, digits, '.', '_', '-' (asked for on a terminal when omitted)", completes: "none" }],
  options: [
    { flags: "--name <name>", description: "the workspace name (the same as giving it as an argument)", completes: "none" },
    workflowOption(),
    concurrencyOption,
    { flags: "--from <workspace>", description: "fork the current state of a live workspace instead of the workflow's result", completes: "workspace" },
    { flags: "--ttl <duration>", description: "give the workspaces a lease (e.g. 30m, 4h, 2d); `rig gc` ends it", completes: "none" },
    { flags: "--on-expiry <action>", description: "what `rig gc` does once the lease runs out (default: remove)", choices: ["stop", "remove"], completes: "choices" },
  ],
  examples: [
    "rig create ws1",
    "rig create ws1 ws2 ws3 --json",
    "rig create ws2 --from ws1          # a copy of ws1 as it is now",
    "rig create tmp --ttl 4h            # removed by `rig gc` once 4 hours have passed",
  ],
  fastLane: true,
} as const satisfies CommandSpec;
