/** The docker provider against a real Docker engine (scripts/test-services.sh). */
import { describe, expect, test } from "bun:test";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, RIG, project, rig, rigUntil, tempDir, homeOf } from "../helpers.ts";
import { services } from "../services.ts";

const svc = services("docker");
const dockerEnv = svc ? { ...process.env, DOCKER_HOST: svc.dockerHost } : process.env;
const docker = (...args: string[]) => {
  const r = Bun.spawnSync(["docker", ...args], { env: dockerEnv, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString().trim(), err: r.stderr.toString() };
};
const projectId = (dir: string) =>
  new (require("bun:sqlite").Database)(`${dir}/.rigkit/state.sqlite`, { readonly: true }).query("SELECT value FROM meta WHERE key = 'project_id'").get().value as string;
const containersOf = (id: string) => docker("ps", "-a", "--filter", `label=rigkit.project=${id}`, "--format", "{{.Names}} {{.Label \"rigkit.kind\"}}").out;

const config = (steps: string, extra = "") => `import { workflow, docker, env } from "rigkit";
export default workflow("d")
  .addProvider("docker", docker({ host: env("RIGKIT_TEST_DOCKER_HOST"), network: "none" }))
  .task("image", async ({ providers }) => {
    const image = await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async (c) => {
      ${steps}
    });
    return { ctx: { image } };
  })
  .workspace({
    create: async ({ workflow, providers }) => {
      const ws = await providers.docker.createWorkspace({ image: workflow.ctx.image });
      ${extra}
      return ws;
    },
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  })
  .workspaceOperation("nap", {
    run: async ({ workspace, providers }) => { console.log("napping"); await providers.docker.exec(workspace.ctx.container, "sleep 1008"); },
  })
  .workspaceOperation("cat", {
    run: async ({ workspace, providers }) => (await providers.docker.exec(workspace.ctx.container, ["cat", "/built.txt"])).stdout,
  });
`;

describe.if(svc !== null)("docker", () => {
  const env = { RIGKIT_TEST_DOCKER_HOST: svc?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: svc?.dockerImage };

  test("build snapshots an image, workspaces are containers from it, all labelled and cleaned up", async () => {
    const dir = project({ "rigkit.config.ts": config(`await c.exec("echo built in $(hostname) > /built.txt"); await c.copyIn("rigkit.config.ts", "/work/config.ts");`) });
    const apply = await rig(["apply", "--json"], { cwd: dir, env });
    expect(apply.stderr).toMatch(/image \| starting rigkit-build-/);
    expect(apply.exitCode).toBe(0);
    const image = apply.json().ctx.image;
    expect({ ...image }).toMatchObject({ provider: "docker", kind: "image", id: expect.stringMatching(/^sha256:/) }); // (a copy: bun's matcher writes into its subject)
    const id = projectId(dir);
    const labels = docker("image", "inspect", "--format", '{{index .Config.Labels "rigkit.project"}} {{index .Config.Labels "rigkit.task"}}', image.id);
    expect(labels.err).toBe("");
    expect(labels.out).toBe(`${id} image`);
    expect(containersOf(id)).toBe(""); // the build container is gone

    const create = await rig(["create", "ws1", "ws2", "--json"], { cwd: dir, env });
    expect(create.exitCode).toBe(0);
    const [ws1] = create.json().workspaces;
    expect(ws1.ctx.container).toBe(`rigkit-${id}-d-ws1`);
    expect(docker("inspect", "--format", '{{.State.Running}} {{index .Config.Labels "rigkit.workspace"}} {{.HostConfig.NetworkMode}}', ws1.ctx.container).out).toBe("true ws1 none");
    expect((await rig(["ws1/cat", "--json"], { cwd: dir, env })).json()).toMatch(/^built in [0-9a-f]{12}$/);
    expect(docker("exec", ws1.ctx.container, "cat", "/work/config.ts").out).toContain("workflow(\"d\")");

    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(containersOf(id)).toBe("");
  }, 60_000);

  test("a failing build step still removes its container", async () => {
    const dir = project({ "rigkit.config.ts": config(`await c.exec(["sh", "-c", "echo nope >&2; exit 7"]);`) });
    const r = await rig(["apply"], { cwd: dir, env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/error Task d\/image failed: docker container rigkit-build-\S+: command failed \(exit 7\): sh -c 'echo nope >&2; exit 7'$/m);
    expect(r.stderr).toMatch(/^\s+nope$/m);
    expect(containersOf(projectId(dir))).toBe("");
  }, 60_000);

  test("docker rmi of a cached snapshot: plan says artifact-missing, apply rebuilds", async () => {
    const dir = project({ "rigkit.config.ts": config(`await c.exec("echo built > /built.txt");`) });
    const image = (await rig(["apply", "--json"], { cwd: dir, env })).json().ctx.image;
    expect((await rig(["plan", "--json"], { cwd: dir, env })).json().nodes[0].status).toBe("cached");
    expect(docker("rmi", image.tag).code).toBe(0);
    const plan = (await rig(["plan", "--json"], { cwd: dir, env })).json();
    expect(plan.nodes[0]).toMatchObject({ status: "pending", reason: "artifact-missing" });
    const explain = await rig(["cache", "d", "explain", "image"], { cwd: dir, env });
    expect(explain.stdout).toContain(`docker image ${image.id} is gone`);
    const again = (await rig(["apply", "--json"], { cwd: dir, env })).json();
    expect(again.ran).toEqual(["image"]);
    expect(docker("image", "inspect", again.ctx.image.id).code).toBe(0);
  }, 60_000);

  test("a create hook failing after its container started leaves no container and no record", async () => {
    const dir = project({ "rigkit.config.ts": config(`await c.exec("true");`, `throw new Error("after start");`) });
    const r = await rig(["create", "ws1", "--json"], { cwd: dir, env });
    expect(r.exitCode).toBe(1);
    expect(r.error().message).toBe("Creating workspace ws1 failed: after start");
    expect(containersOf(projectId(dir))).toBe("");
    expect((await rig(["ls", "--json"], { cwd: dir, env })).json().workspaces).toEqual([]);
  }, 60_000);

  test("a missing image is never pulled: a clear error naming it", async () => {
    const dir = project({ "rigkit.config.ts": config(`await c.exec("true");`) });
    const r = await rig(["apply", "--json"], { cwd: dir, env: { ...env, RIGKIT_TEST_DOCKER_IMAGE: "rigkit-test/absent:1" } });
    expect(r.exitCode).toBe(1);
    expect(r.error().message).toMatch(/docker \(unix:\/\/.*\): image rigkit-test\/absent:1 is not on this engine/);
    expect(r.error().message).not.toContain("docker run");
    const text = await rig(["apply"], { cwd: dir, env: { ...env, RIGKIT_TEST_DOCKER_IMAGE: "rigkit-test/absent:1" } });
    // The next step: pull it, or use another image.
    expect(text.stderr).toContain("docker pull rigkit-test/absent:1");
    expect(text.stderr).toContain("RIGKIT_BASE_IMAGE");
  }, 60_000);

  test("an unreachable engine: apply fails naming it; doctor reports it", async () => {
    const dir = project({ "rigkit.config.ts": config(`await c.exec("true");`) });
    const down = { ...env, RIGKIT_TEST_DOCKER_HOST: "unix:///nonexistent/docker.sock" };
    const r = await rig(["apply", "--json"], { cwd: dir, env: down });
    expect(r.exitCode).toBe(1);
    // The preflight stops it before any task runs, naming the provider and its engine.
    expect(r.error()).toMatchObject({ code: "PROVIDER_UNAVAILABLE", provider: "docker" });
    expect(r.error().message).toContain("cannot reach Docker at unix:///nonexistent/docker.sock");
    const doctor = (await rig(["doctor", "--json"], { cwd: dir, env: down })).json();
    expect(doctor.ok).toBe(false);
    expect(doctor.checks.find((c: { name: string }) => c.name === "provider docker: engine").message).toContain("cannot reach Docker at unix:///nonexistent/docker.sock");
    const up = (await rig(["doctor", "--json"], { cwd: dir, env })).json();
    expect(up.checks.find((c: { name: string }) => c.name === "provider docker: engine").message).toMatch(/^Docker [\d.]+/);
  }, 60_000);
});

describe.if(svc !== null)("the docker template", () => {
  test("rig init --template docker applies, forks workspaces and runs an action for real", async () => {
    const dir = tempDir();
    // (The test engine has no default bridge network: builds and workspaces get none.)
    const env = { DOCKER_HOST: svc?.dockerHost, RIGKIT_DOCKER_NETWORK: "none", RIGKIT_BUILD_NETWORK: "none", RIGKIT_BASE_IMAGE: svc?.dockerImage };
    writeFileSync(join(dir, "hello.txt"), "hi\n");
    expect((await rig(["init", "--template", "docker"], { cwd: dir, env })).exitCode).toBe(0);
    const apply = await rig(["apply", "--json"], { cwd: dir, env });
    expect(apply.exitCode).toBe(0);
    expect(apply.json().ran).toEqual(["toolchain", "deps", "source"]);
    expect((await rig(["create", "ws1", "--json"], { cwd: dir, env })).exitCode).toBe(0);
    const exec = await rig(["exec", "ws1", "--json", "--", "sh", "-c", "pwd; ls -A; cat hello.txt"], { cwd: dir, env });
    expect(exec.json()).toMatchObject({ exitCode: 0, stdout: "/work\n.gitignore\nhello.txt\nhi\n" });
    // No test command in a plain project: the test action says so and fails.
    const test = await rig(["ws1/test"], { cwd: dir, env });
    expect(test.exitCode).toBe(1);
    expect(test.stderr).toContain("no test command: set project.test in rigkit/index.ts");
    expect((await rig(["rm", "ws1", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(containersOf(projectId(dir))).toBe("");
  }, 60_000);
});

describe.if(svc !== null)("the global toolchain example", () => {
  test("two example projects share one toolchain image through a global fragment", async () => {
    const root = tempDir();
    cpSync(join(REPO, "examples", "global-toolchain"), root, { recursive: true });
    const env = { DOCKER_HOST: svc?.dockerHost, RIGKIT_DOCKER_NETWORK: "none", RIGKIT_BASE_IMAGE: svc?.dockerImage, RIGKIT_HOME: join(root, "home") };
    const a = await rig(["apply", "--json"], { cwd: join(root, "app-a"), env });
    expect(a.exitCode).toBe(0);
    expect(a.json().ran).toEqual(["toolchain/compilers", "project"]);
    const b = await rig(["apply", "--json"], { cwd: join(root, "app-b"), env });
    expect(b.json().cached).toEqual(["toolchain/compilers"]);
    expect(b.json().ran).toEqual(["project"]);
    expect(b.json().ctx.toolchain.id).toBe(a.json().ctx.toolchain.id);
    expect((await rig(["create", "w", "--json"], { cwd: join(root, "app-b"), env })).exitCode).toBe(0);
    expect((await rig(["w/exec", "--command", "cat README /opt/toolchain/INSTALLED", "--json"], { cwd: join(root, "app-b"), env })).json()).toBe("app-b sources\ncc, make, git");
    expect((await rig(["rm", "w", "--yes"], { cwd: join(root, "app-b"), env })).exitCode).toBe(0);
  }, 60_000);
});

describe.if(svc !== null)("docker crash safety", () => {
  const env = { RIGKIT_TEST_DOCKER_HOST: svc?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: svc?.dockerImage };

  test("a container whose record is lost is an orphan: gc lists it, then removes it", async () => {
    const dir = project({ "rigkit.config.ts": config(`await c.exec("true");`) });
    expect((await rig(["create", "keep", "lost"], { cwd: dir, env })).exitCode).toBe(0);
    const id = projectId(dir);
    const db = new (require("bun:sqlite").Database)(`${dir}/.rigkit/state.sqlite`);
    db.query("DELETE FROM workspaces WHERE name = 'lost'").run();
    db.close();
    const dry = await rig(["gc", "--dry-run", "--json"], { cwd: dir, env });
    expect(dry.json().orphans).toEqual([{ provider: "docker", id: `container rigkit-${id}-d-lost` }]);
    expect((await rig(["gc", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(containersOf(id)).toBe(`rigkit-${id}-d-keep workspace`);
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(containersOf(id)).toBe("");
  }, 60_000);

  test("kill -9 after the container started: the stuck record owns it, and rm removes it", async () => {
    const dir = project({ "rigkit.config.ts": config(`await c.exec("true");`) });
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    const r = Bun.spawnSync([RIG, "create", "w"], { cwd: dir, env: { ...process.env, ...env, RIGKIT_FAULT: "create:hook-returned" } });
    expect(r.signalCode).toBe("SIGKILL");
    const id = projectId(dir);
    expect(containersOf(id)).toBe(`rigkit-${id}-d-w workspace`);
    // The record says "creating" and owns the container: rm cleans it up like any workspace.
    expect((await rig(["ls", "--json"], { cwd: dir, env })).json().workspaces.map((w: { name: string }) => w.name)).toEqual(["w"]);
    expect((await rig(["rm", "w", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(containersOf(id)).toBe("");
  }, 60_000);

  test("SIGINT during a command in a build container: exit 130, the container is gone", async () => {
    const dir = project({ "rigkit.config.ts": config(`console.log("sleeping"); await c.exec("sleep 100");`) });
    const proc = await rigUntil(["apply"], "sleeping", { cwd: dir, env });
    await Bun.sleep(300);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    expect(containersOf(projectId(dir))).toBe("");
    const db = new (require("bun:sqlite").Database)(`${dir}/.rigkit/state.sqlite`, { readonly: true });
    expect(db.query("SELECT status FROM task_runs").all()).toEqual([{ status: "cancelled" }]);
    db.close();
  }, 60_000);

  test("SIGINT during a command in a workspace container: exit 130, the process in the container is gone", async () => {
    const dir = project({ "rigkit.config.ts": config(`await c.exec("true");`) });
    const ws = (await rig(["create", "w", "--json"], { cwd: dir, env })).json().workspaces[0];
    const proc = Bun.spawn([RIG, "w/nap"], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: "1" }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const inside = () => docker("exec", ws.ctx.container, "ps").out.split("\n").filter((l) => l.includes("sleep 1008"));
    for (let i = 0; i < 100 && inside().length === 0; i++) await Bun.sleep(50);
    expect(inside()).not.toEqual([]);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    for (let i = 0; i < 60 && inside().length > 0; i++) await Bun.sleep(50);
    expect(inside()).toEqual([]);
    expect((await rig(["rm", "w", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  }, 60_000);

  const points: [string, string[], boolean][] = [
    ["apply:task-started", ["apply"], false],
    ["apply:task-recorded", ["apply"], false],
    ["create:intent-recorded", ["create", "w"], true],
    ["create:resource-recorded", ["create", "w"], true],
    ["create:hook-returned", ["create", "w"], true],
    ["create:ready", ["create", "w"], true],
    ["rm:removing-recorded", ["rm", "w", "--yes"], true],
    ["rm:hook-returned", ["rm", "w", "--yes"], true],
  ];
  for (const [point, args, prepare] of points) {
    test(`kill -9 at ${point}: state intact, gc finds exactly the unowned containers and leaves none`, async () => {
      const dir = project({ "rigkit.config.ts": config(`await c.exec("sleep 0.2");`) });
      if (prepare) expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
      if (args[0] === "rm") expect((await rig(["create", "w"], { cwd: dir, env })).exitCode).toBe(0);
      const killed = Bun.spawnSync([RIG, ...args], { cwd: dir, env: { ...process.env, ...env, RIGKIT_FAULT: point }, stdout: "pipe", stderr: "pipe" });
      expect(killed.signalCode).toBe("SIGKILL");
      const id = projectId(dir);
      const db = new (require("bun:sqlite").Database)(`${dir}/.rigkit/state.sqlite`);
      expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      const owned = new Set((db.query("SELECT ctx FROM workspaces").all() as { ctx: string }[]).map((r) => JSON.parse(r.ctx).container));
      db.close();
      const containers = containersOf(id).split("\n").filter(Boolean).map((l) => l.split(" ")[0] as string);
      const unowned = containers.filter((name) => !owned.has(name)).map((name) => `container ${name}`);
      const dry = await rig(["gc", "--dry-run", "--json"], { cwd: dir, env });
      expect(dry.json().orphans.map((o: { id: string }) => o.id).sort()).toEqual(unowned.sort());
      expect((await rig(["gc", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
      expect(containersOf(id).split("\n").filter(Boolean).every((l) => owned.has(l.split(" ")[0]))).toBe(true);
      expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
      expect(containersOf(id)).toBe("");
    }, 60_000);
  }

  test("kill -9 in the middle of a build leaves a build container that gc finds and removes", async () => {
    const dir = project({ "rigkit.config.ts": config(`console.log("building"); await c.exec("sleep 30");`) });
    const proc = await rigUntil(["apply"], "building", { cwd: dir, env });
    proc.kill("SIGKILL");
    await proc.exited;
    const id = projectId(dir);
    const left = containersOf(id);
    expect(left).toMatch(/^rigkit-build-\S+ build$/);
    const dry = (await rig(["gc", "--dry-run", "--json"], { cwd: dir, env })).json();
    expect(dry.orphans).toEqual([{ provider: "docker", id: `container ${left.split(" ")[0]}` }]);
    expect((await rig(["gc", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(containersOf(id)).toBe("");
  }, 60_000);
});
