import type { CommandSpec } from "../spec.ts";

export const providers = {
  name: "providers",
  description: "forget what a provider stored (project storage and host storage)",
  summary: "forget a provider's stored data",
  args: [
    { name: "<id>", description: "the provider id (local, docker, ssh, or a custom provider's)", completes: "none" },
    { name: "<action>", description: "what to do", choices: ["clear"], completes: "none" },
  ],
  examples: ["rig providers ssh clear", "rig providers docker clear --json"],
} as const satisfies CommandSpec;
