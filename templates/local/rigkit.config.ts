/**
 * rigkit config: prepare this project once, then fork workspaces from it.
 *
 *   rig plan            what is cached, what would run
 *   rig apply           run what is stale
 *   rig create ws1      a copy of the prepared directory in .rigkit/workspaces/ws1
 *   rig shell ws1       a shell in it;  rig exec ws1 -- ls
 *   rig ws1/info        an action of this project (add your own below)
 *   rig rm ws1          remove it
 */
import { cpSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { local, workflow } from "rigkit";

export default workflow("app")
  .addProvider("local", local())
  // Config is part of every later task's cache key: change it and they rerun.
  .configure({ source: "." })

  // Tool versions, re-checked once a day.
  .task("toolchain", { cacheTTL: "1d" }, async ({ providers }) => {
    const version = async (argv: string[]) => (await providers.local.exec(argv, { reject: false })).stdout.trim() || null;
    return { ctx: { node: await version(["node", "--version"]), git: await version(["git", "--version"]) } };
  })

  // A copy of the project's files, the base every workspace is forked from. `inputs` makes
  // the files' content part of the cache key: edit one and this task (and what follows) reruns.
  // The config itself stays out, so `rig` inside a workspace does not find a nested project.
  .task("source", { inputs: ["**"] }, async ({ step, providers, config }) => {
    const from = resolve(import.meta.dir, config.source);
    const dir = providers.local.prepareDir("source", { fresh: true });
    const skip = new Set([".rigkit", "node_modules", ".git", "rigkit.config.ts", "rigkit"]);
    for (const entry of readdirSync(from)) {
      if (!skip.has(entry)) cpSync(join(from, entry), join(dir, entry), { recursive: true });
    }
    return { ctx: { ...step.ctx, base: providers.local.dirRef(dir) } };
  })

  // Replace with what your project needs once per base: npm ci, make deps, a database dump, …
  .task("setup", async ({ step, providers }) => {
    await providers.local.exec("echo prepared by rigkit > .prepared", { cwd: step.ctx.base.path });
  })

  .workspace({
    create: async ({ workflow, providers }) => {
      const { dir, method } = await providers.local.createWorkspace({ from: workflow.ctx.base });
      return { dir, method };
    },
    remove: async ({ workspace, providers }) => {
      if (workspace.ctx.dir) await providers.local.removeWorkspace(workspace.ctx.dir);
    },
  })

  // `rig shell ws1`, `rig exec ws1 -- <command>` and `rig code ws1` come built in.
  .workspaceOperation("info", {
    description: "Where the workspace is and what it was built with",
    run: async ({ workspace, workflow }) => ({ dir: workspace.ctx.dir, copy: workspace.ctx.method, node: workflow.ctx.node, git: workflow.ctx.git }),
  });
