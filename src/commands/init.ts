import { DEFAULT_TEMPLATE } from "./defaults.ts";
import type { CommandSpec } from "./spec.ts";

export const init = {
  name: "init",
  description: "write rigkit.config.ts from a template and ignore .rigkit/ in git",
  summary: "write rigkit.config.ts from a template",
  options: [
    { flags: "--template <name>", description: "the template to start from", choices: ["local", "docker", "ssh"], default: DEFAULT_TEMPLATE, completes: "choices" },
    { flags: "--force", description: "overwrite an existing rigkit.config.ts" },
  ],
  examples: ["rig init", "rig init --template docker", "rig init --template ssh --force"],
} as const satisfies CommandSpec;
