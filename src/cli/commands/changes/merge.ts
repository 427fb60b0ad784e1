import { diff, merge } from "../../../engine/api/changes.ts";
import { writeOut } from "../../../host/io.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { emit, out } from "../../ui.ts";

/**
 * `rig merge <ws> [--patch]`: the workspace's changes as branch `rig/<ws>` of the project's
 * repository, its working tree, index and HEAD untouched; `--patch` prints them instead.
 */
export default async function mergeCommand(cli: Cli, name: string, opts: { patch?: boolean; workflow?: string }): Promise<void> {
  const input = { workspace: name, workflow: opts.workflow };
  if (opts.patch) {
    const changes = await diff(projectOptions(cli.globals), input, engineCall(cli));
    if (cli.globals.json) return emit({ workspace: changes.workspace, workflow: changes.workflow, base: changes.base, patch: changes.patch }, () => null);
    if (changes.patch) writeOut(changes.patch);
    return;
  }
  const merged = await merge(projectOptions(cli.globals), input, engineCall(cli));
  emit(merged, () =>
    merged.commits === 0
      ? `Nothing changed in ${merged.workspace}: branch ${merged.branch} is at ${merged.base.slice(0, 12)}`
      : `${out.colors.green("✓")} ${merged.commits} commit${merged.commits === 1 ? "" : "s"} of ${merged.workspace} on branch ${merged.branch} (${merged.commit.slice(0, 12)}); \`git merge ${merged.branch}\` to take them`,
  );
}
