import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { CONFIG_NAMES, statePath } from "../../engine/locate.ts";
import { Store } from "../../state/store.ts";
import { type Cli, projectOptions } from "../context.ts";
import { emit, out, table } from "../ui.ts";

const SKIP = new Set([".git", ".rigkit", "node_modules", "dist", "build"]);

/** Directories below `root` holding a config, without following symlinks. */
function findProjects(root: string): { root: string; config: string }[] {
  const found: { root: string; config: string }[] = [];
  const walk = (dir: string) => {
    const config = CONFIG_NAMES.map((name) => join(dir, name)).find((path) => existsSync(path));
    if (config) found.push({ root: dir, config });
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable: skip quietly, like find(1) would not
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && !SKIP.has(entry.name)) walk(join(dir, entry.name));
    }
  };
  walk(root);
  return found;
}

/** `rig projects`: rig projects below the current directory, with their workspace counts. */
export default async function projectsCommand(cli: Cli): Promise<void> {
  const { cwd } = projectOptions(cli.globals);
  const projects: { root: string; config: string; workspaces: number | null }[] = [];
  for (const p of findProjects(cwd)) {
    let workspaces: number | null = null;
    try {
      const store = await Store.openReadOnly(statePath({ path: p.config, root: p.root }, { cwd }));
      workspaces = store ? store.workspaces().length : null;
      store?.close();
    } catch {
      // an unreadable state file: `rig doctor` in that project says why
    }
    projects.push({ root: p.root, config: p.config, workspaces });
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
