/** Recovery (README "Ownership, status and recovery") and live status (README "Workspaces: access, forks and leases"): what a killed rig left, and records that no longer match the machines. */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { RIG, project, rig, rigUntil, tempDir } from "../helpers.ts";
import { requireTool, services } from "../services.ts";
import { APP_CONFIG, dockerWorkspaceConfig } from "./fixtures.ts";

const killedAt = (point: string, args: string[], cwd: string) => {
  const r = Bun.spawnSync([RIG, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", RIGKIT_FAULT: point }, stdout: "pipe", stderr: "pipe" });
  expect(r.signalCode).toBe("SIGKILL");
};
const check = (doctor: { checks: { name: string; ok: boolean; message: string }[] }, name: string) => doctor.checks.find((c) => c.name === name);

describe("recovery", () => {
  test("kill -9 mid-apply: log says interrupted, doctor flags the run and the dead holder's lock, the next apply recovers", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    killedAt("apply:task-started", ["apply"], dir);
    const log = (await rig(["log", "--json"], { cwd: dir })).json();
    expect(log.entries[0]).toMatchObject({ kind: "apply", status: "interrupted" });
    const doctor = (await rig(["doctor", "--json"], { cwd: dir })).json();
    expect(doctor.ok).toBe(false);
    expect(check(doctor, "lock")).toMatchObject({ ok: false });
    expect(check(doctor, "lock")?.message).toContain("no longer running");
    expect(check(doctor, "interrupted")?.ok).toBe(false);
    const text = await rig(["log"], { cwd: dir });
    expect(text.stdout).toContain("interrupted");

    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    const after = (await rig(["doctor", "--json"], { cwd: dir })).json();
    expect(check(after, "lock")?.ok).toBe(true);
    expect(check(after, "interrupted")).toBeUndefined(); // redone since
    // The killed run stays in the log, recorded as interrupted.
    const entries = (await rig(["log", "--json"], { cwd: dir })).json().entries;
    expect(entries.map((e: { status: string }) => e.status)).toEqual(["ok", "interrupted"]);
  }, 30_000);

  test("kill -9 mid-create: ls and doctor say interrupted, operations refuse it, gc finishes it", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    killedAt("create:hook-returned", ["create", "ws1"], dir);
    const ls = (await rig(["ls", "--json"], { cwd: dir })).json();
    expect(ls.workspaces).toEqual([expect.objectContaining({ name: "ws1", status: "interrupted", expiresAt: null })]);
    const doctor = (await rig(["doctor", "--json"], { cwd: dir })).json();
    expect(check(doctor, "workspaces")?.ok).toBe(false);
    expect(check(doctor, "workspaces")?.message).toContain("ws1 interrupted");
    const op = await rig(["ws1/cat", "--json"], { cwd: dir });
    expect(op.exitCode).toBe(1);
    expect(op.error().code).toBe("WORKSPACE_NOT_READY");
    const dry = await rig(["gc", "--dry-run"], { cwd: dir });
    expect(dry.stdout).toContain("workspace ws1 (app): interrupted while creating");
    const gc = await rig(["gc", "--yes", "--json"], { cwd: dir });
    expect(gc.exitCode).toBe(0);
    expect(gc.json().stale).toEqual([{ name: "ws1", workflow: "app", status: "creating" }]);
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces).toEqual([]);
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0); // the name is free again, nothing left in the way
  }, 30_000);

  test("gc --dry-run never waits for the lock", async () => {
    const config = APP_CONFIG.replace('.task("tools", async ({ step }) => ({ ctx: { tools: true } }))', '.task("tools", async ({ providers }) => { console.log("holding"); await providers.local.exec(["sleep", "3"]); return { ctx: { tools: true } }; })');
    const dir = project({ "rigkit.config.ts": config });
    const first = await rigUntil(["apply"], "holding", { cwd: dir });
    let done = false;
    first.exited.then(() => (done = true));
    const dry = await rig(["gc", "--dry-run", "--lock-timeout", "0", "--json"], { cwd: dir });
    expect(dry.exitCode).toBe(0);
    expect(done).toBe(false);
    const real = await rig(["gc", "--yes", "--lock-timeout", "0", "--json"], { cwd: dir });
    expect(real.error().code).toBe("LOCKED");
    expect(await first.exited).toBe(0);
  }, 30_000);
});

describe("live status (local)", () => {
  test("a deleted workspace directory is missing in ls and doctor; operations refuse it with the next step", async () => {
    const touch = `.workspaceOperation("touch", { run: async () => { (await import("node:fs")).writeFileSync(process.env.MARK_FILE!, "ran"); } })`;
    const dir = project({ "rigkit.config.ts": APP_CONFIG.replace('.workspaceOperation("nothing"', `${touch}\n  .workspaceOperation("nothing"`) });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["create", "ws1", "ws2"], { cwd: dir })).exitCode).toBe(0);
    rmSync(join(dir, ".rigkit", "workspaces", "ws1"), { recursive: true });
    const ls = (await rig(["ls", "--json"], { cwd: dir })).json().workspaces;
    expect(ls.map((w: { name: string; status: string }) => [w.name, w.status])).toEqual([["ws1", "missing"], ["ws2", "ready"]]);
    const cached = (await rig(["ls", "--json", "--cached"], { cwd: dir })).json().workspaces;
    expect(cached.map((w: { status: string }) => w.status)).toEqual(["ready", "ready"]); // the record alone
    const text = await rig(["ls"], { cwd: dir });
    expect(text.stdout).toMatch(/ws1\s+missing/);
    const doctor = (await rig(["doctor", "--json"], { cwd: dir })).json();
    expect(check(doctor, "workspaces")?.message).toContain("ws1 missing");
    const op = await rig(["ws1/cat"], { cwd: dir });
    expect(op.exitCode).toBe(1);
    expect(op.stderr).toContain("Workspace ws1 is not ready (missing)");
    expect(op.stderr).toContain("rig rm ws1");
    // The local check answers before the operation would start: it never runs.
    const markFile = join(tempDir(), "mark");
    const touched = await rig(["ws1/touch", "--json"], { cwd: dir, env: { MARK_FILE: markFile } });
    expect(touched.error().code).toBe("WORKSPACE_NOT_READY");
    expect(existsSync(markFile)).toBe(false);
    expect((await rig(["ws2/cat", "--json"], { cwd: dir })).exitCode).toBe(0);
    // A missing workspace can still be removed.
    expect((await rig(["rm", "ws1", "--yes"], { cwd: dir })).exitCode).toBe(0);
  }, 30_000);

  test("a workspace from before resources were recorded is checked from its context", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["create", "old", "new"], { cwd: dir })).exitCode).toBe(0);
    const db = new Database(join(dir, ".rigkit", "state.sqlite"));
    db.run("DELETE FROM workspace_resources");
    db.run("UPDATE workspaces SET created_at = 0 WHERE name = 'old'"); // made before this file recorded resources
    db.close();
    for (const name of ["old", "new"]) rmSync(join(dir, ".rigkit", "workspaces", name), { recursive: true });
    const ls = (await rig(["ls", "--json"], { cwd: dir })).json().workspaces;
    // "new" claimed nothing and is recent: nothing to ask about, its record stands.
    expect(ls.map((w: { name: string; status: string }) => [w.name, w.status])).toEqual([["old", "missing"], ["new", "ready"]]);
    expect((await rig(["old/cat", "--json"], { cwd: dir })).error().code).toBe("WORKSPACE_NOT_READY");
  });

  test("a broken config: ls still lists the recorded workspaces and says why it could not check", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
    writeFileSync(join(dir, "rigkit.config.ts"), "export default 42 +;");
    const ls = await rig(["ls", "--json"], { cwd: dir });
    expect(ls.exitCode).toBe(0);
    expect(ls.json().workspaces).toEqual([expect.objectContaining({ name: "ws1", status: "ready" })]);
    expect(ls.stderr).toContain("cannot check live status");
  });

  test("a creating workspace whose rig still runs is creating, not interrupted", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["plan"], { cwd: dir })).exitCode).toBe(0);
    const db = new Database(join(dir, ".rigkit", "state.sqlite"));
    db.query("INSERT INTO workspaces (workflow, name, status, ctx, created_at, updated_at, pid, host) VALUES ('app', 'busy', 'creating', '{}', 0, 0, ?, ?)").run(process.pid, hostname());
    db.close();
    const ls = (await rig(["ls", "--json"], { cwd: dir })).json().workspaces;
    expect(ls[0]).toMatchObject({ name: "busy", status: "creating" });
  });
});

const statuses = async (dir: string, env: Record<string, string | undefined>) =>
  Object.fromEntries((await rig(["ls", "--json"], { cwd: dir, env })).json().workspaces.map((w: { name: string; status: string }) => [w.name, w.status]));

const dockerSvc = services("docker");
// Through the Engine API over the socket (the default for a local engine) and through the CLI alone.
for (const api of [true, false]) describe.if(dockerSvc !== null)(`live status (docker${api ? "" : ", RIGKIT_DOCKER_API=0"})`, () => {
  const env = { RIGKIT_TEST_DOCKER_HOST: dockerSvc?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: dockerSvc?.dockerImage, RIGKIT_DOCKER_API: api ? "1" : "0" };
  const docker = (...args: string[]) => Bun.spawnSync(["docker", ...args], { env: { ...process.env, DOCKER_HOST: dockerSvc?.dockerHost }, stdout: "pipe", stderr: "pipe" });
  const config = dockerWorkspaceConfig(`
  .workspaceOperation("hi", { run: async ({ workspace, providers }) => (await providers.docker.exec(workspace.ctx.container, "echo hi")).stdout })
  .workspaceOperation("mark", {
    run: async ({ signal }) => {
      const { appendFileSync } = await import("node:fs");
      appendFileSync(process.env.MARK_FILE!, "started\\n");
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      appendFileSync(process.env.MARK_FILE!, "aborted\\n");
      return "finished";
    },
  })`);

  test("docker stop → stopped, docker rm -f → missing, an engine that does not answer → unreachable", async () => {
    const dir = project({ "rigkit.config.ts": config });
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    const created = (await rig(["create", "up", "halted", "gone", "--json"], { cwd: dir, env })).json().workspaces;
    const container = (name: string) => created.find((w: { name: string }) => w.name === name).ctx.container as string;
    docker("stop", "-t", "0", container("halted"));
    docker("rm", "-f", container("gone"));
    expect(await statuses(dir, env)).toEqual({ up: "ready", halted: "stopped", gone: "missing" });
    const op = await rig(["halted/hi", "--json"], { cwd: dir, env });
    expect(op.exitCode).toBe(1);
    expect(op.error()).toMatchObject({ code: "WORKSPACE_NOT_READY", message: "Workspace halted is not ready (stopped)" });
    expect((await rig(["up/hi", "--json"], { cwd: dir, env })).json()).toBe("hi");
    // The live check runs alongside the operation: a container removed behind rig's back
    // fails with WORKSPACE_NOT_READY, not with whatever the operation's command said…
    const gone = await rig(["gone/hi", "--json"], { cwd: dir, env });
    expect(gone.exitCode).toBe(1);
    expect(gone.error()).toMatchObject({ code: "WORKSPACE_NOT_READY", message: "Workspace gone is not ready (missing)" });
    // …and an operation that had started is aborted through its signal.
    const markFile = join(tempDir(), "mark");
    const marked = await rig(["gone/mark", "--json"], { cwd: dir, env: { ...env, MARK_FILE: markFile } });
    expect(marked.exitCode).toBe(1);
    expect(marked.error().code).toBe("WORKSPACE_NOT_READY");
    expect(readFileSync(markFile, "utf8")).toBe("started\naborted\n");
    const away = { ...env, RIGKIT_TEST_DOCKER_HOST: `unix://${tempDir()}/no-engine.sock` };
    expect(await statuses(dir, away)).toEqual({ up: "unreachable", halted: "unreachable", gone: "unreachable" });
    // A provider that cannot be set up at all (its env() value is missing) vouches for nothing either.
    expect(await statuses(dir, { ...env, RIGKIT_TEST_DOCKER_HOST: undefined })).toEqual({ up: "unreachable", halted: "unreachable", gone: "unreachable" });
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  }, 60_000);
});

const sshSvc = services("ssh");
const hasStrace = requireTool("strace", "the one-session check of ssh operations");
describe.if(sshSvc !== null)("live status (ssh)", () => {
  test("a deleted directory → missing, a host on a closed port → unreachable", async () => {
    const root = join(tempDir("rigkit-remote-"), "r");
    const config = `import { workflow, ssh, env } from "rigkit";
export default workflow("s")
  .addProvider("ssh", ssh({ configFile: env("SSH_CONFIG"), connectTimeout: 2, hosts: [{ host: "rig-a", root: ${JSON.stringify(root)} }] }))
  .task("base", async ({ providers }) => ({ ctx: { base: await providers.ssh.prepareDir("app") } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx),
  })
  .workspaceOperation("hi", {
    run: async ({ workspace, providers }) => {
      const { stdout, stderr } = await providers.ssh.exec(workspace.ctx.host, "echo hi; echo warn >&2", { cwd: workspace.ctx.dir });
      return { stdout, stderr };
    },
  });
`;
    const dir = project({ "rigkit.config.ts": config });
    const env = { SSH_CONFIG: sshSvc?.sshConfig };
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    const created = (await rig(["create", "w1", "w2", "--json"], { cwd: dir, env })).json().workspaces;
    rmSync(created[1].ctx.dir, { recursive: true });
    expect(await statuses(dir, env)).toEqual({ w1: "ready", w2: "missing" });
    // The readiness check rides on the operation's own command: one ssh session, and its
    // answer is not part of the command's output.
    expect((await rig(["w1/hi", "--json"], { cwd: dir, env })).json()).toEqual({ stdout: "hi", stderr: "warn" });
    if (hasStrace) {
      const trace = join(tempDir(), "trace");
      const traced = Bun.spawnSync(["strace", "-f", "-qq", "-e", "trace=execve", "-o", trace, RIG, "w1/hi", "--json"], {
        cwd: dir,
        env: { ...process.env, ...env, NO_COLOR: "1", RIGKIT_HOME: join(dir, ".rigkit-home") },
        stdout: "pipe",
      });
      expect(JSON.parse(traced.stdout.toString())).toEqual({ stdout: "hi", stderr: "warn" });
      const started = readFileSync(trace, "utf8").split("\n").filter((l) => l.includes("execve(") && !l.includes("ENOENT"));
      expect(started.filter((l) => /execve\("[^"]*\/ssh"/.test(l))).toHaveLength(1);
    }
    const op = await rig(["w2/hi", "--json"], { cwd: dir, env });
    expect(op.exitCode).toBe(1);
    expect(op.error()).toMatchObject({ code: "WORKSPACE_NOT_READY", message: "Workspace w2 is not ready (missing)" });
    const closed = join(tempDir(), "ssh_config");
    writeFileSync(closed, readFileSync(sshSvc?.sshConfig as string, "utf8").replace("Port 2222", "Port 1"));
    expect(await statuses(dir, { SSH_CONFIG: closed })).toEqual({ w1: "unreachable", w2: "unreachable" });
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  }, 60_000);
});
