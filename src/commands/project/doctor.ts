import type { CommandSpec } from "../spec.ts";

export const doctor = {
  name: "doctor",
  description: "check the runtime, the state file, the config and every provider",
  summary: "check runtime, state and providers",
  options: [{ flags: "--cli", description: "only rig itself and the tools it calls (no project needed)" }],
  examples: ["rig doctor", "rig doctor --json | jq -e .ok", "rig doctor --cli"],
} as const satisfies CommandSpec;
