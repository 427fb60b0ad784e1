import type { CommandSpec } from "./spec.ts";

export const doctor = {
  name: "doctor",
  description: "check the runtime, the state file, the config and every provider",
  summary: "check runtime, state and providers",
  examples: ["rig doctor", "rig doctor --json | jq -e .ok"],
} as const satisfies CommandSpec;
