import { shellIn } from "../../../engine/workspaces/access.ts";
import { openProject } from "../../../engine/project/project.ts";
import { requireReady } from "../../../engine/workspaces/status.ts";
import { resolveWorkspace } from "../../../engine/workspaces/lifecycle.ts";
import { RigError } from "../../../errors.ts";
import { isTTY } from "../../../host/io.ts";
import { type Cli, projectOptions } from "../../context.ts";

/** `rig shell <ws>`: an interactive login shell in the workspace. */
export default async function shellCommand(cli: Cli, name: string, opts: { workflow?: string }): Promise<void> {
  const project = await openProject(projectOptions(cli.globals));
  const row = await resolveWorkspace(project, name, opts.workflow);
  await requireReady(project, row);
  if (!isTTY(0) || !isTTY(1)) {
    throw new RigError("USAGE", "rig shell needs a terminal (stdin and stdout)", {
      detail: [`To run a command without one: rig exec ${name} -- <command…>`],
    });
  }
  await shellIn(project, row, cli.signal);
}
