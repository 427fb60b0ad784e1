/**
 * Many at once (README): `rig exec --all` / `-w a,b` and `rig run --all` / `-w a,b <op>`
 * on real local workspaces: prefixed output, the worst exit code, the --concurrency
 * bound, not-ready workspaces left alone, Ctrl-C stopping all of them.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RIG, project, rig, rigUntil, tempDir, homeOf } from "../helpers.ts";
import { services } from "../services.ts";

const CONFIG = `
import { workflow, local, z } from "rigkit";
export default workflow("app")
  .addProvider("local", local())
  .task("base", async ({ providers }) => ({ ctx: { base: providers.local.dirRef(providers.local.prepareDir("base", { fresh: true })) } }))
  .workspace({
    create: async ({ workflow, providers }) => ({ dir: (await providers.local.createWorkspace({ from: workflow.ctx.base })).dir }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  })
  .workspaceOperation("check", {
    input: z.object({ fail: z.string().default("") }),
    run: async ({ input, workspace, providers }) =>
      providers.local.exec(["sh", "-c", 'echo "checking $1"; [ "$1" != "$2" ] || exit 5', "sh", workspace.name, input.fail], { cwd: workspace.ctx.dir, reject: false }),
  })
  .workspaceOperation("info", { run: async ({ workspace }) => ({ name: workspace.name }) })
  .workspaceOperation("boom", { run: async ({ workspace }) => { if (workspace.name === "bb") throw new Error("bb exploded"); return "fine"; } });
`;

/** The name of the workspace a command runs in (its directory's name ends with it). */
const NAME = 'n=$(basename "$PWD"); n=\${n##*-}';

describe("many workspaces at once", () => {
  const dir = project({ "rigkit.config.ts": CONFIG });
  const created = rig(["create", "a", "bb", "ccc", "dddd"], { cwd: dir });

  test("exec --all: every line prefixed (aligned, plain without a terminal), the worst exit code", async () => {
    expect((await created).exitCode).toBe(0);
    const r = await rig(["exec", "--all", "--", "sh", "-c", `echo "out $PWD"; echo "err" >&2; case "$PWD" in *bb) exit 3;; *ccc) exit 7;; esac`], { cwd: dir });
    expect(r.exitCode).toBe(7);
    const out = r.stdout.trimEnd().split("\n").sort();
    expect(out).toHaveLength(4);
    for (const [i, name] of ["a", "bb", "ccc", "dddd"].entries()) expect(out[i]).toMatch(new RegExp(`^${name.padEnd(4)} \\| out /.*${name}$`));
    for (const name of ["a", "bb", "ccc", "dddd"]) expect(r.stderr).toContain(`${name.padEnd(4)} | err\n`);
    expect(r.stderr).toContain("2 of 4 workspaces failed: bb (exit 3), ccc (exit 7)");
    expect(r.stdout).not.toMatch(/\u001b\[/);
  }, 30_000);

  test("exec -w a,b: only those; --json: one document of results, the worst code kept", async () => {
    await created;
    const r = await rig(["exec", "-w", "a,bb", "--json", "--", "sh", "-c", `echo "hi"; case "$PWD" in *bb) exit 4;; esac`], { cwd: dir });
    expect(r.exitCode).toBe(4);
    expect(r.json()).toEqual({
      results: [
        { workspace: "a", workflow: "app", exitCode: 0, stdout: "hi\n", stderr: "", error: null },
        { workspace: "bb", workflow: "app", exitCode: 4, stdout: "hi\n", stderr: "", error: null },
      ],
    });
    // Live lines go to stderr with --json.
    expect(r.stderr).toContain("a  | hi");
    const ok = await rig(["exec", "--workspaces=ccc", "--", "true"], { cwd: dir });
    expect(ok.exitCode).toBe(0);
  }, 30_000);

  test("--concurrency bounds how many run at once", async () => {
    await created;
    const log = join(tempDir(), "log");
    const script = `${NAME}; echo "start $n" >> "$LOG"; sleep 0.4; echo "end $n" >> "$LOG"`;
    const r = await rig(["exec", "--all", "--concurrency", "2", "--", "sh", "-c", script], { cwd: dir, env: { LOG: log } });
    expect(r.exitCode).toBe(0);
    let running = 0;
    let most = 0;
    const events = readFileSync(log, "utf8").trim().split("\n");
    expect(events).toHaveLength(8);
    for (const event of events) {
      running += event.startsWith("start") ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(2); // never more than 2, and 2 did overlap
  }, 30_000);

  test("a workspace that is not ready is reported, counts as a failure, and nothing runs on it", async () => {
    const other = project({ "rigkit.config.ts": CONFIG });
    expect((await rig(["create", "x", "y", "--json"], { cwd: other })).exitCode).toBe(0);
    const ls = (await rig(["ls", "--json"], { cwd: other })).json();
    const yDir = ls.workspaces.find((w: { name: string }) => w.name === "y").ctx.dir as string;
    rmSync(yDir, { recursive: true, force: true });
    const log = join(tempDir(), "log");
    const r = await rig(["exec", "--all", "--", "sh", "-c", `${NAME}; echo "ran $n" >> "$LOG"`], { cwd: other, env: { LOG: log } });
    expect(r.exitCode).toBe(1);
    expect(readFileSync(log, "utf8").trim()).toBe("ran x");
    expect(r.stderr).toMatch(/^y \| error Workspace y is not ready \(missing\)$/m);
    const json = await rig(["run", "--all", "info", "--json"], { cwd: other });
    expect(json.exitCode).toBe(1);
    expect(json.json().results).toEqual([
      { workspace: "x", workflow: "app", exitCode: 0, result: { name: "x" }, error: null },
      { workspace: "y", workflow: "app", exitCode: 1, result: null, error: { code: "WORKSPACE_NOT_READY", message: "Workspace y is not ready (missing)" } },
    ]);
  }, 30_000);

  test("run --all <op> and run -w a,b <op> [flags]: prefixed, the worst code, results in JSON", async () => {
    await created;
    const r = await rig(["run", "--all", "check", "--fail", "ccc"], { cwd: dir });
    expect(r.exitCode).toBe(5);
    for (const name of ["a", "bb", "ccc", "dddd"]) expect(r.stderr).toContain(`${name.padEnd(4)} | checking ${name}`);
    expect(r.stderr).toContain("1 of 4 workspaces failed: ccc (exit 5)");
    const some = await rig(["run", "-w", "a,dddd", "info", "--json"], { cwd: dir });
    expect(some.exitCode).toBe(0);
    expect(some.json().results.map((x: { workspace: string; result: unknown }) => [x.workspace, x.result])).toEqual([
      ["a", { name: "a" }],
      ["dddd", { name: "dddd" }],
    ]);
    const text = await rig(["run", "-w", "a,dddd", "info"], { cwd: dir });
    expect(text.stdout).toContain('a    | {\na    |   "name": "a"\na    | }');
    // An operation that throws on one: exit 1, the others still ran.
    const boom = await rig(["run", "--all", "boom", "--json"], { cwd: dir });
    expect(boom.exitCode).toBe(1);
    const results = boom.json().results as { workspace: string; exitCode: number; result: unknown; error: { code: string } | null }[];
    expect(results.filter((x) => x.result === "fine").map((x) => x.workspace)).toEqual(["a", "ccc", "dddd"]);
    expect(results.find((x) => x.workspace === "bb")).toMatchObject({ exitCode: 1, error: { code: "OPERATION_FAILED" } });
  }, 30_000);

  test("usage: unknown names and operations fail before anything runs; --all with -w; the JSON error names the workspace", async () => {
    await created;
    const unknown = await rig(["exec", "-w", "a,nope", "--json", "--", "true"], { cwd: dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.error()).toMatchObject({ code: "UNKNOWN_WORKSPACE", workspace: "nope" });
    const op = await rig(["run", "--all", "nope", "--json"], { cwd: dir });
    expect(op.exitCode).toBe(2);
    expect(op.error().code).toBe("UNKNOWN_OPERATION");
    const both = await rig(["exec", "--all", "-w", "a", "--", "true"], { cwd: dir });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain("--all and -w cannot be combined");
    const badInput = await rig(["run", "--all", "check", "--fail"], { cwd: dir });
    expect(badInput.exitCode).toBe(2);
    const single = await rig(["nope/info", "--json"], { cwd: dir });
    expect(single.error()).toMatchObject({ code: "UNKNOWN_WORKSPACE", workspace: "nope" });
    for (const argv of [["rm", "nope", "--yes", "--json"], ["exec", "nope", "--json", "--", "true"], ["run", "nope", "info", "--json"]]) {
      expect((await rig(argv, { cwd: dir })).error()).toMatchObject({ code: "UNKNOWN_WORKSPACE", workspace: "nope" });
    }
    const none = await rig(["exec", "--all", "--json", "--", "true"], { cwd: project({ "rigkit.config.ts": CONFIG }) });
    expect(none.exitCode).toBe(2);
    expect(none.error()).toMatchObject({ code: "USAGE", message: "There are no workspaces to run on" });
  }, 30_000);

  test("Ctrl-C stops every workspace's command and exits 130", async () => {
    await created;
    const marker = `${process.pid}${Date.now() % 1000}`;
    const sleep = `sleep 3${marker.slice(-3)}`;
    const proc = await rigUntil(["exec", "--all", "--", "sh", "-c", `echo started >&2; exec ${sleep}`], "started", { cwd: dir });
    await Bun.sleep(300); // all four have started by now (4 of at least 2 slots: some may queue)
    proc.kill("SIGINT");
    const code = await Promise.race([proc.exited, Bun.sleep(10_000).then(() => "hung")]);
    expect(code).toBe(130);
    const left = Bun.spawnSync(["pgrep", "-f", sleep]).stdout.toString().trim();
    expect(left).toBe("");
  }, 30_000);
});

describe("colour on a terminal", () => {
  test("FORCE_COLOR colours the prefixes", async () => {
    const dir = project({ "rigkit.config.ts": CONFIG });
    expect((await rig(["create", "a", "b"], { cwd: dir })).exitCode).toBe(0);
    // (rig() of the helpers turns colour off; this asks for it as a terminal would.)
    const env: Record<string, string | undefined> = { ...process.env, FORCE_COLOR: "1", RIGKIT_HOME: homeOf(dir) };
    delete env.NO_COLOR;
    const proc = Bun.spawn([RIG, "exec", "--all", "--", "echo", "hi"], { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    expect(stdout).toContain("\u001b[36ma\u001b[39m \u001b[2m|\u001b[22m hi\n");
    expect(stdout).toContain("\u001b[35mb\u001b[39m \u001b[2m|\u001b[22m hi\n");
  }, 30_000);
});

const sshSvc = services("ssh");
describe.if(sshSvc !== null)("many at once over ssh", () => {
  test("exec -w on ssh workspaces: lines prefixed as they come, the worst code", async () => {
    const root = join(tempDir("rigkit-remote-"), "r");
    const dir = project({
      "rigkit.config.ts": `import { workflow, ssh, env } from "rigkit";
export default workflow("s")
  .addProvider("ssh", ssh({ configFile: env("SSH_CONFIG"), hosts: [{ host: "rig-a", root: ${JSON.stringify(root)} }] }))
  .task("base", async ({ providers }) => ({ ctx: { base: await providers.ssh.prepareDir("app") } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx),
  });
`,
    });
    // (A loaded machine can take seconds for the status check: not what this test is about.)
    const env = { SSH_CONFIG: sshSvc?.sshConfig, RIGKIT_STATUS_TIMEOUT_MS: "30000" };
    expect((await rig(["create", "w1", "w22"], { cwd: dir, env })).exitCode).toBe(0);
    const r = await rig(["exec", "-w", "w1,w22", "--", "sh", "-c", 'echo "in $PWD"; echo warn >&2; case "$PWD" in *w22) exit 6;; esac'], { cwd: dir, env });
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toMatchObject({ exitCode: 6 });
    expect(r.stdout).toMatch(/^w1  \| in \/.*w1$/m);
    expect(r.stdout).toMatch(/^w22 \| in \/.*w22$/m);
    expect(r.stderr).toContain("w1  | warn\n");
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  }, 120_000);
});
