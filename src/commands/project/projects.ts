import type { CommandSpec } from "../spec.ts";

export const projects = {
  name: "projects",
  description: "find rig projects below the current directory",
  summary: "find rig projects below here",
  examples: ["rig projects", "rig projects --json | jq -r '.projects[].root'"],
} as const satisfies CommandSpec;
