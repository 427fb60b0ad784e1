import { yes } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

/** What `rig cache` does; the workflow before it may be left out when there is one. */
export const CACHE_ACTIONS = ["ls", "explain", "invalidate", "clear"] as const;

export const cache = {
  name: "cache",
  description: "inspect and change a workflow's task cache",
  summary: "inspect and change the cache",
  args: [
    { name: "[workflow]", description: "the workflow whose cache to use (optional when there is one)", completes: "workflow" },
    { name: "[action]", description: `what to do: ${CACHE_ACTIONS.join(", ")}`, completes: "choices", values: CACHE_ACTIONS },
    { name: "[task]", description: "a task path or id (explain, invalidate)", completes: "task" },
  ],
  options: [
    { flags: "--all", description: "invalidate every task" },
    { flags: "--local", description: "clear only the project's entries" },
    { flags: "--global", description: "clear only global fragment entries" },
    yes,
  ],
  examples: ["rig cache app ls", "rig cache app explain install", "rig cache app invalidate install", "rig cache app invalidate --all --yes", "rig cache app clear"],
} as const satisfies CommandSpec;
