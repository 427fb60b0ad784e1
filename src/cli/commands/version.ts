import type { Cli } from "../context.ts";
import { emit } from "../ui.ts";
import { VERSION } from "../../version.ts";

export default async function versionCommand(_cli: Cli): Promise<void> {
  emit({ rig: VERSION, bun: Bun.version }, () => `rig ${VERSION} (bun ${Bun.version})`);
}
