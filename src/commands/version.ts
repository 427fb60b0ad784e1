import type { CommandSpec } from "./spec.ts";

export const version = {
  name: "version",
  description: "print the versions of rig and Bun",
  summary: "print versions",
  examples: ["rig version --json"],
} as const satisfies CommandSpec;
