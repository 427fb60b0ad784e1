import { shell } from "../../../engine/api/attach.ts";
import { RigError } from "../../../errors.ts";
import { isTTY } from "../../../host/io.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";

/** `rig shell <ws>`: an interactive login shell in the workspace (src/engine/api/attach.ts). */
export default async function shellCommand(cli: Cli, name: string, opts: { workflow?: string }): Promise<void> {
  const session = await shell(projectOptions(cli.globals), { workspace: name, workflow: opts.workflow }, engineCall(cli));
  if (!isTTY(0) || !isTTY(1)) {
    throw new RigError("USAGE", "rig shell needs a terminal (stdin and stdout)", {
      detail: [`To run a command without one: rig exec ${name} -- <command…>`],
    });
  }
  await session.attach();
}
