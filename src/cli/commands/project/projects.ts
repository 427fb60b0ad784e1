import { relative } from "node:path";
import { findProjects, statePath } from "../../../engine/project/locate.ts";
import { Store } from "../../../state/store.ts";
import { type Cli, projectOptions } from "../../context.ts";
import { emit, out, table } from "../../ui.ts";

/** `rig projects`: rig projects below the current directory, with their workspace counts. */
export default async function projectsCommand(cli: Cli): Promise<void> {
  const { cwd } = projectOptions(cli.globals);
  // projectDir and configPath: upstream's names, beside ours.
  const projects: { root: string; config: string; projectDir: string; configPath: string; workspaces: number | null }[] = [];
  for (const p of findProjects(cwd)) {
    let workspaces: number | null = null;
    try {
      const store = await Store.openReadOnly(statePath({ path: p.config, root: p.root }, { cwd }));
      workspaces = store ? store.workspaces().length : null;
      store?.close();
    } catch {
      // an unreadable state file: `rig doctor` in that project says why
    }
    projects.push({ root: p.root, config: p.config, projectDir: p.root, configPath: p.config, workspaces });
  }
  const c = out.colors;
  emit({ projects }, () =>
    projects.length === 0
      ? `No rigkit projects below ${cwd}.`
      : table(
          projects.map((p) => [
            relative(cwd, p.root) || ".",
            c.dim(relative(p.root, p.config)),
            p.workspaces === null ? c.dim("no state yet") : `${p.workspaces} workspace${p.workspaces === 1 ? "" : "s"}`,
          ]),
          "",
        ),
  );
}
