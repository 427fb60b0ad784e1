import { renew } from "../../../engine/api/running.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { lifecycleNotes } from "../../render.ts";
import { emit, out } from "../../ui.ts";

/** `rig renew <ws…> [--ttl D]`: see renew (src/engine/api/running.ts). */
export default async function renewCommand(cli: Cli, names: string[], opts: { ttl?: string; workflow?: string }): Promise<void> {
  const result = await renew(projectOptions(cli.globals), { names, ...opts }, engineCall(cli));
  emit(result, () =>
    result.workspaces
      .map((w) => `${out.colors.green("✓")} ${w.name}: ${lifecycleNotes({ expires_at: Date.parse(w.expiresAt), from_workspace: null }).join("")}`)
      .join("\n"),
  );
}
