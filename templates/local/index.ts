/**
 * rigkit config (written by `rig init`): dependencies installed once, the sources laid over
 * them, and workspaces forked from the result.
 *
 *   rig plan            what is cached, what would run
 *   rig apply           run what is stale
 *   rig create ws1      a workspace: a copy of the prepared directory
 *   rig ws1/test        the project's tests in it (a failure fails rig)
 *   rig exec ws1 -- ls  any command in it;  rig shell ws1;  rig rm ws1
 *
 * `deps` is keyed on the files that decide the dependencies only, so editing a source file
 * reruns `source` (a copy, seconds) and never the install. Type-check this file with
 * `.rigkit/sdk/node_modules/.bin/tsc -p rigkit`.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { local, workflow } from "rigkit";

// What `rig init` found in this project. Part of every task's cache key: edit it and they rerun.
const project = {
  depsFiles: [] as string[],
  install: null as string | null,
  develop: null as string | null,
  test: "echo 'no test command: set project.test in rigkit/index.ts' >&2; exit 1",
};

/** A copy that shares blocks where the filesystem can (cp -a --reflink=auto; macOS: clonefile). */
const copyTree = (from: string, to: string) => (process.platform === "darwin" ? ["cp", "-Rpc", `${from}/.`, to] : ["cp", "-a", "--reflink=auto", `${from}/.`, to]);

/**
 * A virtualenv names its own directory in its scripts (shebangs, `activate`, pyvenv.cfg,
 * editable installs' .pth files and finders). After a copy, point them at the copy, so each
 * workspace's `.venv` runs its own files and never the base's.
 */
function relocateVenv(dir: string, from: string): void {
  const venv = join(dir, ".venv");
  if (from === dir || !existsSync(venv)) return;
  const old = new RegExp(`${from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=[/"'\\s]|$)`, "gm");
  const rewrite = (file: string) => {
    const stat = lstatSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > 1 << 20) return;
    const text = readFileSync(file, "latin1");
    if (old.test(text)) writeFileSync(file, text.replace(old, dir), "latin1");
    old.lastIndex = 0;
  };
  for (const name of readdirSync(join(venv, "bin"))) rewrite(join(venv, "bin", name));
  rewrite(join(venv, "pyvenv.cfg"));
  for (const lib of existsSync(join(venv, "lib")) ? readdirSync(join(venv, "lib")) : []) {
    const site = join(venv, "lib", lib, "site-packages");
    for (const name of existsSync(site) ? readdirSync(site) : []) if (/\.(pth|egg-link)$|^__editable__.*\.py$/.test(name)) rewrite(join(site, name));
  }
}

export default workflow("app")
  .addProvider("local", local())
  .configure(project)

  // The dependencies, keyed on the manifest and lock files only.
  .task("deps", { inputs: project.depsFiles }, async ({ providers, config }) => {
    const dir = providers.local.prepareDir("deps", { fresh: true });
    providers.local.copyProject(dir, { only: config.depsFiles });
    if (config.install) await providers.local.exec(config.install, { cwd: dir });
    return { ctx: { deps: providers.local.dirRef(dir) } };
  })

  // The base workspaces are forked from: a copy of the installed dependencies with the
  // project's files over it (not .git, git-ignored files or rig's own), and the project's
  // own code made importable (`develop`). Keyed on every project file: this is what a
  // one-line edit reruns.
  .task("source", { inputs: ["**"] }, async ({ step, providers, config }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    await providers.local.exec(copyTree(step.ctx.deps.path, dir));
    relocateVenv(dir, step.ctx.deps.path);
    const files = providers.local.copyProject(dir);
    console.log(`copied ${files} project files over the dependencies`);
    if (config.develop) await providers.local.exec(config.develop, { cwd: dir });
    return { ctx: { ...step.ctx, base: providers.local.dirRef(dir) } };
  })

  .workspace({
    create: async ({ workflow, providers }) => {
      const { dir, method } = await providers.local.createWorkspace({ from: workflow.ctx.base });
      relocateVenv(dir, workflow.ctx.base.path);
      return { dir, method };
    },
    remove: async ({ workspace, providers }) => {
      if (workspace.ctx.dir) await providers.local.removeWorkspace(workspace.ctx.dir);
    },
  })

  // `rig shell ws1`, `rig exec ws1 -- <command>` and `rig code ws1` come built in.
  // A failing test command fails the operation, so `rig ws1/test` exits non-zero.
  .workspaceOperation("test", {
    description: "Run the project's tests in the workspace",
    run: async ({ workspace, providers }) => {
      await providers.local.exec(project.test, { cwd: workspace.ctx.dir });
    },
  });
