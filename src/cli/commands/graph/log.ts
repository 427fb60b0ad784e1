import { logDocument, logView } from "../../../engine/api/list.ts";
import { type Cli, projectOptions } from "../../context.ts";
import { renderLog } from "../../render.ts";
import { emit } from "../../ui.ts";

/** `rig log`: the operation history kept in the state file (src/engine/api/list.ts). */
export default async function logCommand(cli: Cli, opts: { workflow?: string; limit?: string }): Promise<void> {
  const rows = await logView(projectOptions(cli.globals), opts);
  emit(logDocument(rows), () => renderLog(rows));
}
