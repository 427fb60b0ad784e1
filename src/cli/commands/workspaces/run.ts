/**
 * `rig run <ws> <op>` reaches commander only when argv.ts could not rewrite it to
 * `<ws>/<op>`: the workspace name holds a "/" (`rig run ../x info`). Never a silent success.
 */
import { checkWorkspaceName } from "../../../engine/workspaces/names.ts";
import { RigError } from "../../../errors.ts";
import type { Cli } from "../../context.ts";

export default async function runCommand(_cli: Cli, workspace: string, operation: string | undefined): Promise<void> {
  checkWorkspaceName(workspace);
  if (operation === undefined) throw new RigError("USAGE", `rig run: name the operation: rig run ${workspace} <operation>`);
  throw new RigError("USAGE", `Cannot run ${JSON.stringify(operation)} on ${JSON.stringify(workspace)}`, {
    detail: ["Use rig run <workspace> <operation>, or rig <workspace>/<operation>."],
  });
}
