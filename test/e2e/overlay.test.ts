/**
 * Overlay workspaces (src/providers/local/overlay.ts): on a filesystem without reflinks,
 * as root, a local workspace is an overlay mount on its base. These tests need that
 * setup (root, overlayfs); elsewhere the method is a copy and they fail saying so.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { overlayState, remount } from "../../src/providers/local/overlay.ts";
import { project, rig as rigIn, tempDir, homeOf, workspaceDir } from "../helpers.ts";

// Small bases are copied (OVERLAY_MIN_ENTRIES); these tests want the overlay whatever the size.
const rig = (args: string[], options: { cwd: string }) => rigIn(args, { ...options, env: { RIGKIT_LOCAL_OVERLAY: "always" } });

const config = (content: string) => `import { workflow, local } from "rigkit";
export default workflow("l")
  .addProvider("local", local())
  .task("base", async ({ providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    await providers.local.exec("mkdir -p sub && echo ${content} > sub/f", { cwd: dir });
    return { ctx: { base: providers.local.dirRef(dir) } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  });`;

const mounted = (dir: string) => readFileSync("/proc/self/mountinfo", "utf8").includes(` ${dir} `);

test("a workspace is an overlay on its base: writes stay in the workspace, rm unmounts", async () => {
  const dir = project({ "rigkit.config.ts": config("one") });
  const ws = (await rig(["create", "w", "--json"], { cwd: dir })).json().workspaces[0];
  expect(ws.ctx.method, "needs root and overlayfs (no reflink on this filesystem)").toBe("overlay");
  const stateDir = join(dir, ".rigkit");
  expect(mounted(ws.ctx.dir)).toBe(true);
  // The layers live beside the workspace, outside the project: $RIGKIT_HOME/overlay/<project id>/.
  const layers = workspaceDir(dir).replace(`${homeOf(dir)}/workspaces/`, `${homeOf(dir)}/overlay/`);
  expect(overlayState(layers, ws.ctx.dir)).toBe("mounted");
  writeFileSync(join(ws.ctx.dir, "sub", "f"), "changed\n");
  expect(readFileSync(join(stateDir, "base", "base", "sub", "f"), "utf8")).toBe("one\n");
  // Commands in it see it at its base's path too (the namespace binds over the overlay's lower dir's path).
  expect((await rig(["exec", "w", "--", "cat", join(realpathSync(stateDir), "base", "base", "sub", "f")], { cwd: dir })).stdout).toBe("changed\n");

  // A reboot loses the mount: the state says so, and remount brings the same files back.
  expect(Bun.spawnSync(["umount", ws.ctx.dir]).exitCode).toBe(0);
  expect(overlayState(layers, ws.ctx.dir)).toBe("unmounted");
  expect(remount(layers, ws.ctx.dir)).toBe(true);
  expect(readFileSync(join(ws.ctx.dir, "sub", "f"), "utf8")).toBe("changed\n");

  expect((await rig(["rm", "w", "--yes"], { cwd: dir })).exitCode).toBe(0);
  expect(mounted(ws.ctx.dir)).toBe(false);
  expect(existsSync(ws.ctx.dir)).toBe(false);
  expect(existsSync(join(layers, "w"))).toBe(false);
  expect(readFileSync(join(stateDir, "base", "base", "sub", "f"), "utf8")).toBe("one\n");
});

test("a base under overlay workspaces is rebuilt beside them, and the old one goes with its last workspace", async () => {
  const dir = project({ "rigkit.config.ts": config("one") });
  const first = (await rig(["create", "a", "--json"], { cwd: dir })).json().workspaces[0];
  expect(first.ctx.method).toBe("overlay");
  writeFileSync(join(dir, "rigkit.config.ts"), config("two"));
  expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
  const stateDir = join(dir, ".rigkit");
  expect(readFileSync(join(stateDir, "base", "base", "sub", "f"), "utf8")).toBe("two\n");
  // The older workspace still sees the base it was made from.
  expect(readFileSync(join(first.ctx.dir, "sub", "f"), "utf8")).toBe("one\n");
  expect(readdirSync(join(stateDir, "retired-base")).filter((n) => !n.endsWith(".rigkit-owner"))).toHaveLength(1);
  const second = (await rig(["create", "b", "--json"], { cwd: dir })).json().workspaces[0];
  expect(readFileSync(join(second.ctx.dir, "sub", "f"), "utf8")).toBe("two\n");

  expect((await rig(["rm", "a", "--yes"], { cwd: dir })).exitCode).toBe(0);
  // (Its owner marker goes with it.)
  expect(readdirSync(join(stateDir, "retired-base"))).toEqual([]);
  expect(readFileSync(join(second.ctx.dir, "sub", "f"), "utf8")).toBe("two\n");
  expect((await rig(["rm", "b", "--yes"], { cwd: dir })).exitCode).toBe(0);
  expect(mounted(second.ctx.dir)).toBe(false);
});

test("a project reached through a symlink: its mount is still found and removed", async () => {
  const real = project({ "rigkit.config.ts": config("one") });
  const link = join(tempDir(), "link");
  symlinkSync(real, link);
  const ws = (await rig(["--chdir", link, "create", "w", "--json"], { cwd: real })).json().workspaces[0];
  expect(ws.ctx.method).toBe("overlay");
  expect(mounted(ws.ctx.dir)).toBe(true);
  expect(overlayState(workspaceDir(real).replace(`${homeOf(real)}/workspaces/`, `${homeOf(real)}/overlay/`), ws.ctx.dir)).toBe("mounted");
  expect((await rig(["--chdir", link, "rm", "w", "--yes"], { cwd: real })).exitCode).toBe(0);
  expect(mounted(ws.ctx.dir)).toBe(false);
});
