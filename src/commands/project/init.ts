import type { CommandSpec } from "../spec.ts";

export const init = {
  name: "init",
  description: "write rigkit/index.ts for this project (detected: Node, Python, devcontainer) and ignore .rigkit/ in git",
  summary: "write rigkit.config.ts from a template",
  options: [
    {
      flags: "--template <name>",
      description: "the provider to start from (default: docker with a devcontainer.json, else local)",
      choices: ["local", "docker", "ssh", "lxd"],
      completes: "choices",
    },
    { flags: "--force", description: "overwrite an existing rigkit/index.ts" },
  ],
  examples: ["rig init", "rig init --template docker", "rig init --template ssh --force", "rig init --json"],
} as const satisfies CommandSpec;
