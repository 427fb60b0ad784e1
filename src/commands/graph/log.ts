import { DEFAULT_LOG_LIMIT } from "../defaults.ts";
import { workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const log = {
  name: "log",
  description: "history of applies, creates, removes and operations",
  summary: "history of what happened",
  options: [workflowOption(), { flags: "-n, --limit <n>", description: "how many entries", default: String(DEFAULT_LOG_LIMIT), completes: "none" }],
  examples: ["rig log", "rig log --workflow app --json"],
  fastLane: true,
} as const satisfies CommandSpec;
