import type { CommandSpec } from "./spec.ts";

/** commander's own help command; here for its name, completion and the names operations may not take. */
export const help = {
  name: "help",
  description: "show help for a command",
  summary: "show help",
  args: [{ name: "[command]", completes: "command" }],
  examples: ["rig help create"],
  builtIn: true,
} as const satisfies CommandSpec;
