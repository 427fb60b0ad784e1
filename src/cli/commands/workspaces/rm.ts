import { removeWorkspaces } from "../../../engine/api/remove.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { emit, out } from "../../ui.ts";

/** `rig rm <names…> | --all`: see removeWorkspaces (src/engine/api/remove.ts). */
export default async function rmCommand(cli: Cli, names: string[], opts: { all?: boolean; yes?: boolean; force?: boolean; workflow?: string }): Promise<void> {
  const { removed } = await removeWorkspaces(projectOptions(cli.globals), { names, ...opts }, engineCall(cli));
  emit({ removed }, () => (removed.length === 0 ? "No workspaces to remove." : removed.map((name) => `${out.colors.green("✓")} Removed ${name}`).join("\n")));
}
