/** Built-in workspace access on the local provider: exec, shell, stop/start, forward, code, --from, leases. */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { RIG, project, rig, tempDir } from "../helpers.ts";
import { APP_CONFIG } from "./fixtures.ts";

setDefaultTimeout(30_000);

/** APP_CONFIG plus lifecycle hooks that leave a trace in the project directory. */
const HOOKS_CONFIG = APP_CONFIG.replace(
  "    remove: async ({ workspace, providers }) => {",
  `    stop: async ({ workspace }) => { require("node:fs").appendFileSync("hooks.log", "stop " + workspace.name + "\\n"); },
    start: async ({ workspace }) => { require("node:fs").appendFileSync("hooks.log", "start " + workspace.name + "\\n"); },
    ttl: "2h",
    remove: async ({ workspace, providers }) => {`,
);

const expireNow = (dir: string, name: string) => {
  const db = new Database(join(dir, ".rigkit/state.sqlite"));
  db.query("UPDATE workspaces SET expires_at = ? WHERE name = ?").run(Date.now() - 1000, name);
  db.close();
};

describe("rig exec (local)", () => {
  const dir = project({ "rigkit.config.ts": APP_CONFIG });

  test("streams, keeps stdout and stderr apart, exits with the command's code, runs in the workspace directory", async () => {
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
    const r = await rig(["exec", "ws1", "--", "sh", "-c", "echo out; echo err >&2; exit 7"], { cwd: dir });
    expect(r.exitCode).toBe(7);
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toBe("err\n");
    const pwd = await rig(["exec", "ws1", "pwd"], { cwd: dir });
    expect(pwd.stdout.trim()).toBe(join(dir, ".rigkit/workspaces/ws1"));
    expect((await rig(["exec", "ws1", "cat", "marker.txt"], { cwd: dir })).stdout).toBe("prepared\n");
  });

  test("stdin reaches the command; its own flags (--json too) stay its own", async () => {
    const r = await rig(["exec", "ws1", "--", "sh", "-c", "cat; echo \"$@\"", "sh", "--json", "-x"], { cwd: dir, stdin: "from stdin\n" });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("from stdin\n--json -x\n");
  });

  test("--json gives exitCode, stdout and stderr", async () => {
    const r = await rig(["exec", "--json", "ws1", "--", "sh", "-c", "echo out; echo err >&2; exit 7"], { cwd: dir });
    expect(r.exitCode).toBe(7);
    expect(r.json()).toEqual({ exitCode: 7, stdout: "out\n", stderr: "err\n" });
  });

  test("a missing command is 127; usage errors are 2", async () => {
    const missing = await rig(["exec", "ws1", "--", "no-such-command-xyz"], { cwd: dir });
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain("command not found");
    expect((await rig(["exec", "ws1"], { cwd: dir })).exitCode).toBe(2);
    expect((await rig(["exec"], { cwd: dir })).exitCode).toBe(2);
    const unknown = await rig(["exec", "nope", "--json", "--", "true"], { cwd: dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.error().code).toBe("UNKNOWN_WORKSPACE");
  });

  test("a workspace whose directory is gone is not ready", async () => {
    expect((await rig(["create", "gone"], { cwd: dir })).exitCode).toBe(0);
    Bun.spawnSync(["rm", "-rf", join(dir, ".rigkit/workspaces/gone")]);
    const r = await rig(["exec", "gone", "--json", "--", "true"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.error().code).toBe("WORKSPACE_NOT_READY");
    expect((await rig(["rm", "gone", "--yes"], { cwd: dir })).exitCode).toBe(0);
  });
});

describe("stop, start, forward, code, shell without a terminal (local)", () => {
  test("nothing to stop is a usage error; workspace({ stop, start }) hooks run on their own", async () => {
    const plain = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["create", "ws1"], { cwd: plain });
    for (const command of [["stop", "ws1"], ["start", "ws1"], ["ws1/stop"]]) {
      const r = await rig([...command, "--json"], { cwd: plain });
      expect(r.exitCode).toBe(2);
      expect(r.error().message).toMatch(/^Workspace ws1 has nothing to (stop|start)$/);
    }
    const hooked = project({ "rigkit.config.ts": HOOKS_CONFIG });
    await rig(["create", "ws1"], { cwd: hooked });
    expect((await rig(["ws1/stop", "--json"], { cwd: hooked })).json()).toEqual({ stopped: ["ws1"] });
    const stopped = await rig(["exec", "ws1", "--json", "--", "true"], { cwd: hooked });
    expect(stopped.exitCode).toBe(1);
    expect(stopped.error()).toMatchObject({ code: "WORKSPACE_NOT_READY", message: "Workspace ws1 is not ready (stopped)" });
    expect((await rig(["ls"], { cwd: hooked })).stdout).toMatch(/ws1 +stopped/);
    expect((await rig(["start", "ws1"], { cwd: hooked })).exitCode).toBe(0);
    expect(readFileSync(join(hooked, "hooks.log"), "utf8")).toBe("stop ws1\nstart ws1\n");
    expect((await rig(["exec", "ws1", "true"], { cwd: hooked })).exitCode).toBe(0);
  });

  test("forward says local ports are already local; bad port specs are usage errors", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["create", "ws1"], { cwd: dir });
    const r = await rig(["forward", "ws1", "8080"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("Workspace ws1 runs on this machine: its ports are already local");
    expect((await rig(["forward", "ws1", "80:x"], { cwd: dir })).exitCode).toBe(2);
    expect((await rig(["forward", "ws1", "70000"], { cwd: dir })).exitCode).toBe(2);
    expect((await rig(["forward", "nope", "80", "--json"], { cwd: dir })).error().code).toBe("UNKNOWN_WORKSPACE");
  });

  test("code: --json and --print give the command and URI; a `code` on PATH receives them", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["create", "ws1"], { cwd: dir });
    const folder = join(dir, ".rigkit/workspaces/ws1");
    const json = await rig(["code", "ws1", "--json"], { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
    expect(json.json()).toEqual({ workspace: "ws1", command: ["code", folder], uri: `vscode://file${folder}`, opened: false });
    const printed = await rig(["code", "ws1", "--print"], { cwd: dir });
    expect(printed.stdout).toBe(`code ${folder}\nvscode://file${folder}\n`);
    const bin = tempDir();
    writeFileSync(join(bin, "code"), `#!/bin/sh\necho "$@" > ${join(bin, "received")}\n`);
    chmodSync(join(bin, "code"), 0o755);
    const opened = await rig(["code", "ws1"], { cwd: dir, env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(opened.exitCode).toBe(0);
    expect(readFileSync(join(bin, "received"), "utf8")).toBe(`${folder}\n`);
  });

  test("shell without a terminal is a usage error", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["create", "ws1"], { cwd: dir });
    const r = await rig(["shell", "ws1"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("rig shell needs a terminal");
  });
});

describe("unknown and not-ready workspaces", () => {
  const dir = project({ "rigkit.config.ts": HOOKS_CONFIG });
  const commands = [["exec", "WS", "--", "true"], ["shell", "WS"], ["stop", "WS"], ["start", "WS"], ["forward", "WS", "80"], ["code", "WS"], ["renew", "WS"], ["create", "copy", "--from", "WS"]];

  test.each(commands)("rig %s … with an unknown workspace: exit 2, UNKNOWN_WORKSPACE", async (...argv) => {
    const r = await rig([argv[0] as string, "--json", ...argv.slice(1).map((a) => (a === "WS" ? "nope" : a))], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.error()).toMatchObject({ code: "UNKNOWN_WORKSPACE", message: "Unknown workspace nope" });
  });

  test("exec, shell, forward, code and --from on an expired workspace: exit 1, WORKSPACE_NOT_READY with the next step", async () => {
    expect((await rig(["create", "old"], { cwd: dir })).exitCode).toBe(0);
    expireNow(dir, "old");
    for (const argv of commands.filter((c) => ["exec", "shell", "forward", "code", "create"].includes(c[0] as string))) {
      const r = await rig([argv[0] as string, "--json", ...argv.slice(1).map((a) => (a === "WS" ? "old" : a))], { cwd: dir });
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.error()).toMatchObject({ code: "WORKSPACE_NOT_READY", message: "Workspace old is not ready (expired)" });
    }
    expect((await rig(["exec", "old", "true"], { cwd: dir })).stderr).toContain("`rig renew old` to keep it");
  });
});

describe("create --from (local)", () => {
  test("copies the live state, then the two diverge; from is recorded and shown", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["create", "ws1"], { cwd: dir });
    await rig(["exec", "ws1", "--", "sh", "-c", "echo changed > marker.txt && echo mine > new.txt"], { cwd: dir });
    const fork = await rig(["create", "ws2", "--from", "ws1", "--json"], { cwd: dir });
    expect(fork.exitCode).toBe(0);
    const [ws2] = fork.json().workspaces;
    expect(ws2).toEqual({ name: "ws2", workflow: "app", ctx: { dir: join(dir, ".rigkit/workspaces/ws2") }, createdAt: expect.any(String) });
    expect((await rig(["exec", "ws2", "cat", "marker.txt", "new.txt"], { cwd: dir })).stdout).toBe("changed\nmine\n");
    await rig(["exec", "ws2", "--", "sh", "-c", "echo diverged > marker.txt"], { cwd: dir });
    expect(readFileSync(join(dir, ".rigkit/workspaces/ws1/marker.txt"), "utf8")).toBe("changed\n");
    const ls = await rig(["ls"], { cwd: dir });
    expect(ls.stdout).toMatch(/ws2 +ready +created just now, from ws1/);
    // --json keeps the shape README "Scripting" gives; the origin is in the text and the state file.
    expect(Object.keys((await rig(["ls", "--json"], { cwd: dir })).json().workspaces[1])).toEqual(["name", "workflow", "ctx", "createdAt", "status", "expiresAt"]);
    // Removing the fork leaves the source alone.
    expect((await rig(["rm", "ws2", "--yes"], { cwd: dir })).exitCode).toBe(0);
    expect(existsSync(join(dir, ".rigkit/workspaces/ws1/new.txt"))).toBe(true);
    const missing = await rig(["create", "ws3", "--from", "nope", "--json"], { cwd: dir });
    expect(missing.exitCode).toBe(2);
    expect(missing.error().code).toBe("UNKNOWN_WORKSPACE");
  });
});

describe("leases (local)", () => {
  test("--ttl records expiresAt; expired workspaces are listed by gc --dry-run, renewed, removed by gc --yes", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    const created = await rig(["create", "a", "b", "keep", "--ttl", "3h", "--json"], { cwd: dir });
    expect(created.exitCode).toBe(0);
    const listed = (await rig(["ls", "--json", "--cached"], { cwd: dir })).json().workspaces;
    const expiresAt = Date.parse(listed.find((w: { name: string }) => w.name === "a").expiresAt);
    expect(Math.abs(expiresAt - (Date.now() + 3 * 3_600_000))).toBeLessThan(120_000);
    expect((await rig(["ls"], { cwd: dir })).stdout).toMatch(/a +ready +created just now, expires in 3h/);
    await rig(["create", "forever"], { cwd: dir });
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces.find((w: { name: string }) => w.name === "forever").expiresAt).toBeNull();

    for (const name of ["a", "b", "keep"]) expireNow(dir, name);
    expect((await rig(["ls"], { cwd: dir })).stdout).toMatch(/a +\S+ +created just now, expired/);
    const exec = await rig(["exec", "a", "--json", "--", "true"], { cwd: dir });
    expect(exec.error()).toMatchObject({ code: "WORKSPACE_NOT_READY", message: "Workspace a is not ready (expired)" });
    const dry = await rig(["gc", "--dry-run", "--json"], { cwd: dir });
    expect(dry.json().expired.map((w: { name: string; action: string }) => `${w.name}:${w.action}`)).toEqual(["a:remove", "b:remove", "keep:remove"]);

    const renewed = await rig(["renew", "keep", "--ttl", "1d", "--json"], { cwd: dir });
    expect(Date.parse(renewed.json().workspaces[0].expiresAt)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect((await rig(["renew", "a"], { cwd: dir })).exitCode).toBe(2); // no --ttl and no workflow default

    const gc = await rig(["gc", "--yes"], { cwd: dir });
    expect(gc.exitCode).toBe(0);
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces.map((w: { name: string }) => w.name)).toEqual(["keep", "forever"]);
    expect(existsSync(join(dir, ".rigkit/workspaces/a"))).toBe(false);
    expect((await rig(["gc", "--dry-run", "--json"], { cwd: dir })).json().expired).toEqual([]);
  });

  test("workspace({ ttl }) is the default lease and renew's default; onExpiry stop runs the stop hook; bad input", async () => {
    const dir = project({ "rigkit.config.ts": HOOKS_CONFIG.replace('ttl: "2h",', 'ttl: "2h", onExpiry: "stop",') });
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
    expect(Date.parse((await rig(["ls", "--json", "--cached"], { cwd: dir })).json().workspaces[0].expiresAt)).toBeGreaterThan(Date.now() + 3_600_000);
    expireNow(dir, "ws1");
    expect((await rig(["gc", "--yes"], { cwd: dir })).exitCode).toBe(0);
    expect(readFileSync(join(dir, "hooks.log"), "utf8")).toBe("stop ws1\n");
    expect((await rig(["ls"], { cwd: dir })).stdout).toMatch(/ws1 +stopped/);
    expect((await rig(["gc", "--dry-run", "--json"], { cwd: dir })).json().expired).toEqual([]); // stopped already
    expect((await rig(["renew", "ws1"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["start", "ws1"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["exec", "ws1", "true"], { cwd: dir })).exitCode).toBe(0);

    expect((await rig(["create", "x", "--ttl", "soon"], { cwd: dir })).exitCode).toBe(2);
    expect((await rig(["create", "x", "--on-expiry", "explode"], { cwd: dir })).exitCode).toBe(2);
    const plain = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["create", "x", "--on-expiry", "stop"], { cwd: plain })).stderr).toContain("--on-expiry needs a lease");
  });
});

// `rig shell` on a real terminal.
const hasTmux = Bun.which("tmux") !== null;
if (!hasTmux && process.env.CI) throw new Error("tmux is not installed: .ci/run must install it");
const sessions: string[] = [];
afterAll(() => {
  for (const s of sessions) Bun.spawnSync(["tmux", "kill-session", "-t", s]);
});

describe.if(hasTmux)("rig shell on a terminal", () => {
  test("opens a login shell in the workspace directory; exit returns", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["create", "ws1"], { cwd: dir });
    const bin = tempDir();
    symlinkSync(RIG, join(bin, "rig"));
    const name = `rigls${process.pid}`;
    sessions.push(name);
    const tmux = (...args: string[]) => Bun.spawnSync(["tmux", ...args], { stdout: "pipe", stderr: "pipe" });
    const env = `env -i HOME=${dir} PATH=${bin}:${process.env.PATH} RIGKIT_HOME=${join(dir, ".rigkit-home")} SHELL=/bin/sh TERM=xterm PS1='$ '`;
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "30", "-c", dir, `${env} bash --norc --noprofile`);
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 400; i++) {
        const text = tmux("capture-pane", "-p", "-t", name).stdout.toString();
        if (pattern.test(text)) return text;
        await Bun.sleep(50);
      }
      throw new Error(`never saw ${pattern}: ${tmux("capture-pane", "-p", "-t", name).stdout}`);
    };
    tmux("send-keys", "-t", name, "-l", "rig shell ws1; echo SHELL-DONE=$?");
    tmux("send-keys", "-t", name, "Enter");
    tmux("send-keys", "-t", name, "-l", "echo IN=$(pwd)");
    tmux("send-keys", "-t", name, "Enter");
    await waitFor(/IN=\S+\/\.rigkit\/workspaces\/ws1/);
    tmux("send-keys", "-t", name, "-l", "exit");
    tmux("send-keys", "-t", name, "Enter");
    await waitFor(/SHELL-DONE=0/);
  });
});

describe("the example provider's workspace methods", () => {
  test("exec, code and --from work over what scratch claimed", async () => {
    const root = tempDir("rigkit-scratch-");
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
import { scratch } from ${JSON.stringify(join(import.meta.dir, "../../examples/providers/scratch.ts"))};
export default workflow("x")
  .addProvider("scratch", scratch({ root: ${JSON.stringify(root)} }))
  .workspace({
    create: async ({ providers }) => providers.scratch.createWorkspace(),
    remove: async ({ workspace, providers }) => providers.scratch.removeWorkspace(workspace.ctx.dir),
  });
`,
    });
    const created = await rig(["create", "w1", "--json"], { cwd: dir });
    expect(created.exitCode).toBe(0);
    const w1 = created.json().workspaces[0].ctx.dir;
    const r = await rig(["exec", "w1", "--", "sh", "-c", "pwd; echo note > note; exit 3"], { cwd: dir });
    expect([r.exitCode, r.stdout]).toEqual([3, `${w1}\n`]);
    expect((await rig(["code", "w1", "--json"], { cwd: dir })).json().uri).toBe(`vscode://file${w1}`);
    expect((await rig(["stop", "w1"], { cwd: dir })).exitCode).toBe(2);
    expect((await rig(["create", "w2", "--from", "w1"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["exec", "w2", "cat", "note"], { cwd: dir })).stdout).toBe("note\n");
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir })).exitCode).toBe(0);
  });
});
