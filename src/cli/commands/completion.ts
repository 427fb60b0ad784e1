import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { RigError } from "../../errors.ts";
import type { Cli } from "../context.ts";
import { emit } from "../ui.ts";

const SHELLS = ["bash", "zsh", "fish"] as const;

/** `rig completion [bash|zsh|fish]`: prints the script for the shell (from $SHELL when omitted). */
export default async function completionCommand(_cli: Cli, shell?: string): Promise<void> {
  const chosen = shell ?? basename(process.env.SHELL ?? "");
  if (!(SHELLS as readonly string[]).includes(chosen)) {
    throw new RigError("USAGE", shell ? `No completion for shell "${shell}"` : "Cannot tell your shell from $SHELL; name it", {
      detail: [`Shells: ${SHELLS.join(", ")}. Example: source <(rig completion bash)`],
    });
  }
  const script = readFileSync(join(import.meta.dir, "..", "completion", `rig.${chosen}`), "utf8");
  emit({ shell: chosen, script }, () => script.trimEnd());
}
