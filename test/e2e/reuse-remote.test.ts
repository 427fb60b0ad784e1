/**
 * A reused run's outputs are what it made, on the ssh and docker providers (README
 * "Correct reuse"): an ssh base directory rewritten by a later run or behind rig's back
 * is `artifact-changed`; a Docker snapshot is its image id (a content address), so moving
 * its tag to another image changes nothing a cached run or a workspace uses.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { project, rig, tempDir } from "../helpers.ts";
import { services } from "../services.ts";
import { projectIdOf } from "../../src/state/store.ts";

const planOf = async (dir: string, env: Record<string, string | undefined>) =>
  Object.fromEntries(((await rig(["plan", "--json"], { cwd: dir, env })).json().nodes as { path: string; status: string; reason: string | null }[]).map((n) => [n.path, n.reason ?? n.status]));

const ssh = services("ssh");

const sshConfig = (roots: string[], content: string) => `import { workflow, ssh, env } from "rigkit";
export default workflow("s")
  .addProvider("ssh", ssh({
    configFile: env("RIGKIT_TEST_SSH_CONFIG"),
    connectTimeout: 2,
    hosts: [{ host: "rig-a", root: ${JSON.stringify(roots[0])} }, { host: "rig-b", root: ${JSON.stringify(roots[1])} }],
  }))
  .configure({ content: ${JSON.stringify(content)} })
  .task("base", async ({ providers, config }) => {
    const base = await providers.ssh.prepareDir("app", { fresh: true });
    await providers.ssh.run("echo " + config.content + " > notes.txt", { cwd: base });
    return { ctx: { base } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx),
  });
`;

describe.if(ssh !== null)("ssh base directories", () => {
  const env = { RIGKIT_TEST_SSH_CONFIG: ssh?.sshConfig };

  test("edit, apply, revert, apply gives the reverted content on every host and in a new workspace; a change behind rig's back reruns", async () => {
    const remote = tempDir("rigkit-remote-");
    const roots = [join(remote, "a"), join(remote, "b")];
    const dir = project({ "rigkit.config.ts": sshConfig(roots, "one") });
    const bases = roots.map((r) => join(r, projectIdOf(realpathSync(dir)), "base", "app", "notes.txt"));
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    writeFileSync(join(dir, "rigkit.config.ts"), sshConfig(roots, "two"));
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    writeFileSync(join(dir, "rigkit.config.ts"), sshConfig(roots, "one"));
    expect(await planOf(dir, env)).toEqual({ base: "artifact-changed" });
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    for (const base of bases) expect(readFileSync(base, "utf8")).toBe("one\n");
    expect(await planOf(dir, env)).toEqual({ base: "cached" });
    expect((await rig(["create", "w"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["exec", "w", "--", "cat", "notes.txt"], { cwd: dir, env })).stdout).toBe("one\n");

    // One host's copy scribbled on: the run's output is not what it made any more.
    writeFileSync(bases[1] as string, "scribbled\n");
    expect(await planOf(dir, env)).toEqual({ base: "artifact-changed" });
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    expect(readFileSync(bases[1] as string, "utf8")).toBe("one\n");
    expect(await planOf(dir, env)).toEqual({ base: "cached" });
    expect((await rig(["rm", "w", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  }, 300_000);
});

const dockerSvc = services("docker");

describe.if(dockerSvc !== null)("docker snapshots", () => {
  const env = { RIGKIT_TEST_DOCKER_HOST: dockerSvc?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: dockerSvc?.dockerImage };
  const docker = (...args: string[]) => {
    const r = Bun.spawnSync(["docker", ...args], { env: { ...process.env, DOCKER_HOST: dockerSvc?.dockerHost }, stdout: "pipe", stderr: "pipe" });
    return { code: r.exitCode, out: r.stdout.toString().trim() };
  };
  const config = (content: string) => `import { workflow, docker, env } from "rigkit";
export default workflow("d")
  .addProvider("docker", docker({ host: env("RIGKIT_TEST_DOCKER_HOST"), network: "none" }))
  .task("image", async ({ providers }) => ({
    ctx: { image: await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async (c) => { await c.exec("echo ${content} > /built.txt"); }) },
  }))
  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  });
`;

  test("edit, apply, revert, apply reuses the first image by id; its tag moved to another image changes nothing", async () => {
    const dir = project({ "rigkit.config.ts": config("one") });
    const first = (await rig(["apply", "--json"], { cwd: dir, env })).json().ctx.image;
    expect(first.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    writeFileSync(join(dir, "rigkit.config.ts"), config("two"));
    const second = (await rig(["apply", "--json"], { cwd: dir, env })).json().ctx.image;
    expect(second.id).not.toBe(first.id);
    // Someone points the first snapshot's tag at the second image.
    expect(docker("tag", second.id, first.tag).code).toBe(0);
    writeFileSync(join(dir, "rigkit.config.ts"), config("one"));
    expect(await planOf(dir, env)).toEqual({ image: "cached" });
    const again = (await rig(["apply", "--json"], { cwd: dir, env })).json();
    expect(again.ctx.image.id).toBe(first.id);
    expect((await rig(["create", "w"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["exec", "w", "--", "cat", "/built.txt"], { cwd: dir, env })).stdout).toBe("one\n");
    expect((await rig(["rm", "w", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  }, 120_000);
});
