/**
 * rigkit's own dev machine (dogfood): a clean checkout of this repository at HEAD with
 * its dependencies installed, forked into workspaces where the suite runs.
 *
 *   rig apply             check out HEAD and npm ci (cached until HEAD moves)
 *   rig create dev1       a copy of the prepared checkout in .rigkit/workspaces/dev1
 *   rig dev1/test         run the test suite there
 *   rig dev1/shell        a shell in it
 */
import { resolve } from "node:path";
import { local, workflow } from "rigkit";

const repo = import.meta.dir;
// HEAD is part of the config, so a new commit reruns the checkout and everything after it.
const head = Bun.spawnSync(["git", "rev-parse", "HEAD"], { cwd: repo }).stdout.toString().trim() || "none";

export default workflow("rigkit")
  .addProvider("local", local())
  .configure({ repo, commit: head })

  .task("checkout", async ({ providers, config }) => {
    const dir = providers.local.prepareDir("rigkit", { fresh: true });
    await providers.local.exec(["git", "clone", "--quiet", "--no-checkout", config.repo, dir]);
    await providers.local.exec(["git", "checkout", "--quiet", config.commit], { cwd: dir });
    return { ctx: { commit: config.commit, checkout: providers.local.dirRef(dir) } };
  })

  // Offline-first: the packages come from npm's cache when the host already has them.
  .task("install", async ({ step, providers }) => {
    await providers.local.exec(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: step.ctx.checkout.path });
  })

  .workspace({
    create: async ({ workflow, providers }) => {
      const { dir } = await providers.local.createWorkspace({ from: workflow.ctx.checkout });
      return { dir, commit: workflow.ctx.commit };
    },
    remove: async ({ workspace, providers }) => {
      await providers.local.removeWorkspace(workspace.ctx.dir);
    },
  })

  .workspaceOperation("test", {
    description: "Run the test suite in the workspace",
    run: async ({ workspace, providers }) => {
      const code = await providers.local.interactive(["npm", "test"], { cwd: workspace.ctx.dir });
      if (code !== 0) throw new Error(`the suite failed (exit ${code})`);
      return { ok: true, commit: workspace.ctx.commit };
    },
  })

  .workspaceOperation("shell", {
    description: "Open a shell in the workspace",
    run: async ({ workspace, providers }) => {
      await providers.local.shell({ cwd: resolve(workspace.ctx.dir) });
    },
  });
