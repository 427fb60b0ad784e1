import { diffWorkspace, mergeWorkspace } from "../../engine/workspaces/changes.ts";
import { openProject } from "../../engine/project/project.ts";
import { resolveWorkspace } from "../../engine/workspaces/lifecycle.ts";
import { writeOut } from "../../host/io.ts";
import { type Cli, projectOptions } from "../context.ts";
import { emit, out } from "../ui.ts";

/**
 * `rig merge <ws> [--patch]`: the workspace's changes as branch `rig/<ws>` of the project's
 * repository, its working tree, index and HEAD untouched; `--patch` prints them instead.
 */
export default async function mergeCommand(cli: Cli, name: string, opts: { patch?: boolean; workflow?: string }): Promise<void> {
  const project = await openProject(projectOptions(cli.globals));
  const row = await resolveWorkspace(project, name, opts.workflow);
  if (opts.patch) {
    const diff = await diffWorkspace(project, row, { signal: cli.signal });
    if (cli.globals.json) return emit({ workspace: diff.workspace, workflow: diff.workflow, base: diff.base, patch: diff.patch }, () => null);
    if (diff.patch) writeOut(diff.patch);
    return;
  }
  const merged = await mergeWorkspace(project, row, { signal: cli.signal });
  emit(merged, () =>
    merged.commits === 0
      ? `Nothing changed in ${merged.workspace}: branch ${merged.branch} is at ${merged.base.slice(0, 12)}`
      : `${out.colors.green("✓")} ${merged.commits} commit${merged.commits === 1 ? "" : "s"} of ${merged.workspace} on branch ${merged.branch} (${merged.commit.slice(0, 12)}); \`git merge ${merged.branch}\` to take them`,
  );
}
