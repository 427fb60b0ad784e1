/** The local provider's workspace copies: a clone for a clean checkout, copy-on-write or a plain copy otherwise. */
import { expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { project, rig } from "../helpers.ts";

const config = (prepare: string) => `import { workflow, local } from "rigkit";
export default workflow("l")
  .addProvider("local", local())
  .task("base", async ({ providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    ${prepare}
    return { ctx: { base: providers.local.dirRef(dir) } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  });`;

const git = (cwd: string, ...args: string[]) => Bun.spawnSync(["git", "-C", cwd, "-c", "user.name=t", "-c", "user.email=t@t", ...args], { stdout: "pipe" }).stdout.toString();

test("a clean git checkout becomes a repository of the workspace's own (a clone, never a worktree of the base)", async () => {
  const dir = project({
    "rigkit.config.ts": config(`await providers.local.exec("git init -q && echo hello > a.txt && git add a.txt && git -c user.name=t -c user.email=t@t commit -qm init && git remote add origin https://example.invalid/r.git", { cwd: dir });`),
  });
  const ws = (await rig(["create", "w", "--json"], { cwd: dir })).json().workspaces[0];
  expect(ws.ctx.method).toBe("git");
  expect(readFileSync(join(ws.ctx.dir, "a.txt"), "utf8")).toBe("hello\n");
  expect(statSync(join(ws.ctx.dir, ".git")).isDirectory()).toBe(true);
  const base = join(dir, ".rigkit", "base", "base");
  expect(git(base, "worktree", "list")).not.toContain(ws.ctx.dir);
  // The base's remotes, as a copy would have them; none pointing at the base.
  expect(git(ws.ctx.dir, "remote", "-v")).toBe(git(base, "remote", "-v"));
  expect(git(ws.ctx.dir, "rev-parse", "HEAD")).toBe(git(base, "rev-parse", "HEAD"));
  expect(git(ws.ctx.dir, "status", "--porcelain")).toBe("");
  expect((await rig(["rm", "w", "--yes"], { cwd: dir })).exitCode).toBe(0);
  expect(existsSync(ws.ctx.dir)).toBe(false);
});

test("anything else is copied (copy-on-write where the filesystem allows), metadata included", async () => {
  const dir = project({
    "rigkit.config.ts": config(`await providers.local.exec("mkdir -p sub && echo x > sub/f && ln -s sub/f link && chmod 700 sub", { cwd: dir });`),
  });
  const ws = (await rig(["create", "w", "--json"], { cwd: dir })).json().workspaces[0];
  expect(["reflink", "overlay", "copy"]).toContain(ws.ctx.method);
  expect(readFileSync(join(ws.ctx.dir, "link"), "utf8")).toBe("x\n");
  expect(statSync(join(ws.ctx.dir, "sub")).mode & 0o777).toBe(0o700);
  expect((await rig(["rm", "w", "--yes"], { cwd: dir })).exitCode).toBe(0);
  expect(existsSync(ws.ctx.dir)).toBe(false);
});
