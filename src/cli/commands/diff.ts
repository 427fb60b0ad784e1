import { diffWorkspace } from "../../engine/workspaces/changes.ts";
import { openProject } from "../../engine/project/project.ts";
import { resolveWorkspace } from "../../engine/workspaces/lifecycle.ts";
import { writeOut } from "../../host/io.ts";
import { type Cli, projectOptions } from "../context.ts";
import { emit } from "../ui.ts";

/**
 * `rig diff <ws> [--stat] [--json]`: what changed in a workspace since it was made (README
 * "Changes come back through git"). The patch goes to stdout as it is (binary files as git
 * binary patches), so `rig diff ws1 | git apply` works.
 */
export default async function diffCommand(cli: Cli, name: string, opts: { stat?: boolean; workflow?: string }): Promise<void> {
  const project = await openProject(projectOptions(cli.globals));
  const row = await resolveWorkspace(project, name, opts.workflow);
  const diff = await diffWorkspace(project, row, { stat: opts.stat, signal: cli.signal });
  if (cli.globals.json) return emit(diff, () => null);
  const text = opts.stat ? (diff.stat ?? "") : (diff.patch ?? "");
  if (text !== "") writeOut(text);
}
