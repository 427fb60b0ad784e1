import { yes } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const gc = {
  name: "gc",
  description: "remove what providers made for this project that no workspace owns, and end expired leases",
  summary: "remove orphaned resources",
  options: [{ flags: "--dry-run", description: "only list what would be removed" }, yes],
  examples: ["rig gc --dry-run", "rig gc --yes"],
} as const satisfies CommandSpec;
