import { diff } from "../../../engine/api/changes.ts";
import { writeOut } from "../../../host/io.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { emit } from "../../ui.ts";

/**
 * `rig diff <ws> [--stat] [--json]`: what changed in a workspace since it was made (README
 * "Changes come back through git"). The patch goes to stdout as it is (binary files as git
 * binary patches), so `rig diff ws1 | git apply` works.
 */
export default async function diffCommand(cli: Cli, name: string, opts: { stat?: boolean; workflow?: string }): Promise<void> {
  const result = await diff(projectOptions(cli.globals), { workspace: name, workflow: opts.workflow, stat: opts.stat }, engineCall(cli));
  if (cli.globals.json) return emit(result, () => null);
  const text = opts.stat ? (result.stat ?? "") : (result.patch ?? "");
  if (text !== "") writeOut(text);
}
