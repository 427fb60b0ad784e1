/** `rig providers <id> clear`: forget a provider's stored data (project storage and host storage). */
import { providersClear } from "../../../engine/api/providers.ts";
import { RigError } from "../../../errors.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { emit, out } from "../../ui.ts";

export default async function providersCommand(cli: Cli, id: string, action: string): Promise<void> {
  if (action !== "clear") throw new RigError("USAGE", `Unknown providers action "${action}"`, { detail: ["Usage: rig providers <id> clear"] });
  const result = await providersClear(projectOptions(cli.globals), { provider: id }, engineCall(cli));
  emit(result, () =>
    result.projectEntries === 0 && result.hostFile === null
      ? `Provider ${id} had nothing stored.`
      : `${out.colors.green("✓")} Cleared provider ${id}: ${result.projectEntries} project entr${result.projectEntries === 1 ? "y" : "ies"}${result.hostFile ? `, host storage ${result.hostFile}` : ""}`,
  );
}
