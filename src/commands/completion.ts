import type { CommandSpec } from "./spec.ts";

export const completion = {
  name: "completion",
  description: "print a shell completion script (bash, zsh or fish; from $SHELL when omitted)",
  summary: "print a shell completion script",
  args: [{ name: "[shell]", description: "the shell", choices: ["bash", "zsh", "fish"], completes: "choices" }],
  examples: [
    "source <(rig completion bash)     # in ~/.bashrc",
    "source <(rig completion zsh)      # in ~/.zshrc",
    "rig completion fish | source      # in ~/.config/fish/config.fish",
  ],
} as const satisfies CommandSpec;
