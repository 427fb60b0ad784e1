/** The ssh provider against a real sshd fleet on loopback (scripts/test-services.sh). */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { project, rig, rigUntil, tempDir } from "../helpers.ts";
import { services } from "../services.ts";
import { projectIdOf } from "../../src/state/store.ts";

/** Each project's directories live in `<root>/<project id>/`. */
const ns = (root: string, projectDir: string) => join(root, projectIdOf(realpathSync(projectDir)));

const svc = services("ssh");

/** A fleet config; each test gets its own remote roots so tests never share directories. */
function config(roots: string[], extraHosts = "") {
  return `import { workflow, ssh, env, z } from "rigkit";
export default workflow("s")
  .addProvider("ssh", ssh({
    configFile: env("RIGKIT_TEST_SSH_CONFIG"),
    connectTimeout: 2,
    hosts: [{ host: "rig-a", root: ${JSON.stringify(roots[0])} }, { host: "rig-b", root: ${JSON.stringify(roots[1])} }${extraHosts}],
  }))
  .task("base", async ({ providers }) => {
    const base = await providers.ssh.prepareDir("app", { fresh: true });
    await providers.ssh.run("echo prepared > marker && echo line from remote", { cwd: base });
    return { ctx: { base } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx),
  })
  .workspaceOperation("exec", {
    input: z.object({ command: z.string() }),
    run: async ({ input, workspace, providers }) => {
      const r = await providers.ssh.exec(workspace.ctx.host, input.command, { cwd: workspace.ctx.dir, reject: false });
      return { exitCode: r.exitCode, stdout: r.stdout };
    },
  });
`;
}

describe.if(svc !== null)("ssh", () => {
  const env = { RIGKIT_TEST_SSH_CONFIG: svc?.sshConfig };
  const roots = () => {
    const base = tempDir("rigkit-remote-");
    return [join(base, "a"), join(base, "b")];
  };

  test("prepare on every host, place workspaces on the least-loaded one, run actions, remove", async () => {
    const [rootA, rootB] = roots() as [string, string];
    const dir = project({ "rigkit.config.ts": config([rootA, rootB]) });
    const [a, b] = [ns(rootA, dir), ns(rootB, dir)];
    const apply = await rig(["apply", "--json"], { cwd: dir, env });
    expect(apply.exitCode).toBe(0);
    expect(apply.stderr).toContain("base | line from remote");
    expect(apply.json().ctx.base).toEqual({ provider: "ssh", kind: "dir", name: "app", paths: { "rig-a": `${a}/base/app`, "rig-b": `${b}/base/app` } });
    expect(readFileSync(join(a, "base/app/marker"), "utf8")).toBe("prepared\n");
    expect(readFileSync(join(b, "base/app/marker"), "utf8")).toBe("prepared\n");

    const created = await rig(["create", "w1", "w2", "--json"], { cwd: dir, env });
    expect(created.exitCode).toBe(0);
    const placed = created.json().workspaces.map((w: { ctx: { host: string } }) => w.ctx.host).sort();
    expect(placed).toEqual(["rig-a", "rig-b"]); // spread over the fleet
    const third = (await rig(["create", "w3", "--json"], { cwd: dir, env })).json().workspaces[0];
    expect(["rig-a", "rig-b"]).toContain(third.ctx.host);

    const out = await rig(["w1/exec", "--command", "cat marker; pwd", "--json"], { cwd: dir, env });
    const w1 = created.json().workspaces.find((w: { name: string }) => w.name === "w1");
    expect(out.json()).toEqual({ exitCode: 0, stdout: `prepared\n${w1.ctx.dir}` });

    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    for (const root of [a, b]) for (const w of ["w1", "w2", "w3"]) expect(existsSync(join(root, "workspaces", w))).toBe(false);
  }, 60_000);

  test("a removed base directory makes plan say artifact-missing", async () => {
    const [rootA, rootB] = roots() as [string, string];
    const dir = project({ "rigkit.config.ts": config([rootA, rootB]) });
    const b = ns(rootB, dir);
    await rig(["apply"], { cwd: dir, env });
    expect((await rig(["plan", "--json"], { cwd: dir, env })).json().nodes[0].status).toBe("cached");
    rmSync(join(b, "base", "app"), { recursive: true });
    expect((await rig(["plan", "--json"], { cwd: dir, env })).json().nodes[0]).toMatchObject({ status: "pending", reason: "artifact-missing" });
  }, 60_000);

  test("an unreachable host: doctor and plan report it, apply and create use the others", async () => {
    const [a, b] = roots() as [string, string];
    const dir = project({ "rigkit.config.ts": config([a, b], `, { host: "127.0.0.1", root: "/tmp/never" }`) });
    const doctor = (await rig(["doctor", "--json"], { cwd: dir, env })).json();
    const check = doctor.checks.find((c: { name: string }) => c.name === "provider ssh: 127.0.0.1");
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/^unreachable/);
    expect(doctor.checks.find((c: { name: string }) => c.name === "provider ssh: rig-a").ok).toBe(true);

    const plan = await rig(["plan"], { cwd: dir, env });
    expect(plan.exitCode).toBe(0);
    expect(plan.stderr).toMatch(/warning provider ssh: 127\.0\.0\.1: unreachable/);

    const apply = await rig(["apply", "--json"], { cwd: dir, env });
    expect(apply.exitCode).toBe(0);
    expect(apply.stderr).toMatch(/skipping 127\.0\.0\.1: unreachable/);
    expect(Object.keys(apply.json().ctx.base.paths)).toEqual(["rig-a", "rig-b"]);
    const ws = (await rig(["create", "w", "--json"], { cwd: dir, env })).json().workspaces[0];
    expect(["rig-a", "rig-b"]).toContain(ws.ctx.host);
  }, 60_000);

  test("a failing remote command names the host and shows its stderr", async () => {
    const [a, b] = roots() as [string, string];
    const dir = project({ "rigkit.config.ts": config([a, b]).replace("echo prepared > marker && echo line from remote", "echo remote trouble >&2; exit 4") });
    const r = await rig(["apply"], { cwd: dir, env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/error Task s\/base failed: ssh rig-[ab]: command failed \(exit 4\): cd \S+\/base\/app && echo remote trouble >&2; exit 4$/m);
    expect(r.stderr).toMatch(/^\s+remote trouble$/m);
  }, 60_000);
});

describe.if(svc !== null)("the ssh template", () => {
  test("rig init --template ssh applies, creates a workspace on the fleet and runs an action for real", async () => {
    const dir = tempDir();
    const env = { RIGKIT_SSH_HOSTS: "rig-a", RIGKIT_SSH_CONFIG: svc?.sshConfig };
    expect((await rig(["init", "--template", "ssh"], { cwd: dir, env })).exitCode).toBe(0);
    const apply = await rig(["apply", "--json"], { cwd: dir, env });
    expect(apply.exitCode).toBe(0);
    const base = apply.json().ctx.base;
    try {
      expect((await rig(["create", "ws1"], { cwd: dir, env })).exitCode).toBe(0);
      const exec = await rig(["exec", "ws1", "--json", "--", "cat", "README"], { cwd: dir, env });
      expect(exec.json()).toEqual({ exitCode: 0, stdout: "prepared by rigkit\n", stderr: "" });
      expect((await rig(["rm", "ws1", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    } finally {
      // The template keeps its base under the login's home on the host: clean it up.
      const root = String(base.paths["rig-a"]).replace(/\/base\/base$/, "");
      Bun.spawnSync(["ssh", "-F", svc?.sshConfig ?? "", "rig-a", "rm", "-rf", root]);
    }
  }, 60_000);
});

describe.if(svc !== null)("ssh interrupts", () => {
  test("SIGINT during a remote command stops it on the host, records the task cancelled, exits 130", async () => {
    const base = tempDir("rigkit-remote-");
    const dir = project({
      "rigkit.config.ts": `import { workflow, ssh, env } from "rigkit";
export default workflow("s")
  .addProvider("ssh", ssh({ configFile: env("RIGKIT_TEST_SSH_CONFIG"), hosts: [{ host: "rig-a", root: ${JSON.stringify(join(base, "a"))} }] }))
  .task("slow", async ({ providers }) => { console.log("sleeping"); await providers.ssh.exec("rig-a", "sleep 1007.${process.pid}; echo never"); });`,
    });
    const proc = await rigUntil(["apply"], "sleeping", { cwd: dir, env: { RIGKIT_TEST_SSH_CONFIG: svc?.sshConfig } });
    const remoteSleep = () => Bun.spawnSync(["pgrep", "-f", `sleep 1007\\.${process.pid}`]).stdout.toString().trim();
    for (let i = 0; i < 50 && remoteSleep() === ""; i++) await Bun.sleep(50);
    expect(remoteSleep()).not.toBe("");
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    for (let i = 0; i < 60 && remoteSleep() !== ""; i++) await Bun.sleep(50);
    expect(remoteSleep()).toBe(""); // gone on the host too, within the grace period
    const db = new Database(join(dir, ".rigkit", "state.sqlite"), { readonly: true });
    expect(db.query("SELECT status FROM task_runs").all()).toEqual([{ status: "cancelled" }]);
    db.close();
  }, 30_000);
});
