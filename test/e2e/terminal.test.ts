/**
 * rig on a real terminal (tmux): prompts, cancelling them, and the live progress
 * timeline versus the plain renderer.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { RIG, homeOf, project, rig, tempDir } from "../helpers.ts";
import { requireTool } from "../services.ts";
import { APP_CONFIG, TWO_WORKFLOWS } from "./fixtures.ts";

const hasTmux = requireTool("tmux", "terminal tests");

const bin = tempDir();
symlinkSync(RIG, join(bin, "rig"));
const sessions: string[] = [];
afterAll(() => {
  for (const s of sessions) Bun.spawnSync(["tmux", "kill-session", "-t", s]);
});

/** A bash on a 120x40 tmux terminal in `dir`, with rig on PATH. */
function terminalIn(dir: string, extraEnv: Record<string, string> = {}) {
  const name = `rigt${process.pid}x${sessions.length}`;
  sessions.push(name);
  const env = { PATH: `${bin}:${process.env.PATH}`, RIGKIT_HOME: homeOf(dir), TERM: "xterm-256color", PS1: "$ ", ...extraEnv };
  const exports = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(" ");
  const tmux = (...args: string[]) => Bun.spawnSync(["tmux", ...args], { stdout: "pipe", stderr: "pipe" });
  tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", "-c", dir, `env -i HOME=${dir} ${exports} bash --norc --noprofile`);
  const screen = () => tmux("capture-pane", "-p", "-t", name).stdout.toString();
  return {
    screen,
    type: (text: string) => tmux("send-keys", "-t", name, "-l", "--", text),
    keys: (...keys: string[]) => tmux("send-keys", "-t", name, ...keys),
    run(command: string) {
      // Reset the pane here, synchronously: a `clear` typed with the command takes effect
      // only once bash runs it, and a waitFor before that would match the last command's screen.
      tmux("send-keys", "-R", "-t", name);
      tmux("clear-history", "-t", name);
      tmux("send-keys", "-t", name, "-l", "--", `${command}; echo EXIT=$?`);
      tmux("send-keys", "-t", name, "Enter");
    },
    async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const text = screen();
        if (pattern.test(text)) return text;
        if (Date.now() > until) throw new Error(`the terminal never showed ${pattern}:\n${text}`);
        await Bun.sleep(50);
      }
    },
  };
}

setDefaultTimeout(30_000);

describe.if(hasTmux)("prompts on a terminal", () => {
  test("create without a name suggests a free one", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["create", "ws1"], { cwd: dir });
    const t = terminalIn(dir);
    t.run("rig create");
    await t.waitFor(/Name of the new workspace/);
    await t.waitFor(/ws2/);
    t.keys("Enter");
    await t.waitFor(/EXIT=0/);
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces.map((w: { name: string }) => w.name)).toEqual(["ws1", "ws2"]);
  });

  test("rig shell succeeds even when the last command typed in it failed", async () => {
    const dir = tempDir();
    expect(Bun.spawnSync([RIG, "init"], { cwd: dir }).exitCode).toBe(0);
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
    const t = terminalIn(dir, { RIGKIT_TRUST_HOST_COMMANDS: "1" });
    t.run("rig shell ws1");
    await Bun.sleep(500);
    t.type("false; exit\n");
    const text = await t.waitFor(/EXIT=\d+/);
    expect(text).toContain("EXIT=0");
    expect(text).not.toContain("exit code");
  });

  test("local.command shows its reason when the host command is confirmed", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("app").operation("hello", {
  run: async ({ local }) => (await local.command({ argv: ["echo", "hi-there"], mode: "capture", reason: "to greet you" })).stdout,
});
`,
    });
    const t = terminalIn(dir);
    t.run("rig hello");
    await t.waitFor(/Run on this machine: echo hi-there\? \(to greet you\)/);
    t.keys("Enter");
    const text = await t.waitFor(/EXIT=\d+/);
    expect(text).toContain("EXIT=0");
  });

  test("rm asks first; declining or cancelling removes nothing and exits 130", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["create", "ws1"], { cwd: dir });
    const t = terminalIn(dir);
    t.run("rig rm ws1");
    await t.waitFor(/Remove workspace ws1\?/);
    t.type("n");
    t.keys("Enter");
    await t.waitFor(/EXIT=130/);
    t.run("rig rm ws1");
    await t.waitFor(/Remove workspace ws1\?/);
    t.keys("C-c");
    await t.waitFor(/EXIT=130/);
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces).toHaveLength(1);
    t.run("rig rm ws1");
    await t.waitFor(/Remove workspace ws1\?/);
    t.type("y");
    t.keys("Enter");
    await t.waitFor(/EXIT=0/);
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces).toHaveLength(0);
  });

  test("a missing required input is asked for; enums are a selection", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["create", "ws1"], { cwd: dir });
    const t = terminalIn(dir);
    t.run("rig ws1/test");
    await t.waitFor(/only tests matching this/);
    t.type("smoke");
    t.keys("Enter");
    const text = await t.waitFor(/EXIT=0/);
    expect(text).toContain('"filter": "smoke"');
    // --json never prompts: the same call is an error there.
    t.run("rig ws1/test --json");
    await t.waitFor(/Missing required input --filter[\s\S]*EXIT=2/);
  });

  test("several workflows: plan offers a choice", async () => {
    const dir = project({ "rigkit.config.ts": TWO_WORKFLOWS });
    const t = terminalIn(dir);
    t.run("rig plan");
    await t.waitFor(/Which workflow do you want to plan\?/);
    t.keys("Down");
    t.keys("Enter");
    const text = await t.waitFor(/EXIT=0/);
    expect(text).toContain("b: 1 task, 0 cached, 1 pending");
    // The last choice is all of them.
    t.run("rig plan");
    await t.waitFor(/\(all of them\)/);
    t.keys("Down");
    t.keys("Down");
    t.keys("Enter");
    const all = await t.waitFor(/EXIT=0/);
    expect(all).toContain("a: 1 task, 0 cached, 1 pending");
    expect(all).toContain("b: 1 task, 0 cached, 1 pending");
  });
});

describe.if(hasTmux)("progress on a terminal", () => {
  const config = `import { workflow, local } from "rigkit";
export default workflow("p").addProvider("local", local())
  .task("first", async () => ({ ctx: { first: true } }))
  .task("talky", async ({ providers }) => { await providers.local.exec(["sh", "-c", "echo step one; sleep 0.4; echo step two; sleep 0.4"]); })
  .task("broken", async () => { console.log("it is about to go wrong"); throw new Error("on purpose"); });`;

  test("the timeline shows running output, then ✓ with durations, ✗ with the last lines and the log path", async () => {
    const dir = project({ "rigkit.config.ts": config });
    const t = terminalIn(dir);
    t.run("rig apply");
    const running = await t.waitFor(/talky \d+ms\n\s+│ step one/);
    expect(running).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] talky/);
    const text = await t.waitFor(/EXIT=1/);
    expect(text).toMatch(/✓ first \d+ms/);
    expect(text).toMatch(/✓ talky \d+(\.\d)?m?s/);
    expect(text).toMatch(/✗ broken failed after \d+ms\n\s+│ it is about to go wrong/);
    // Where it threw (the user's line), then the full log.
    expect(text).toMatch(/error Task p\/broken failed: on purpose\n\s+in rigkit\.config\.ts:5:\d+\n.*throw new Error\("on purpose"\).*\n\s+full log: \.rigkit\/logs\/r\w+\.log/);
    expect(text).not.toContain("step one"); // output of a finished task is folded away
    t.run("rig apply");
    await t.waitFor(/○ 2 cached: first, talky/);
  });

  test("RIGKIT_RENDER=0 gives plain lines on a terminal too", async () => {
    const dir = project({ "rigkit.config.ts": config });
    const t = terminalIn(dir, { RIGKIT_RENDER: "0" });
    t.run("rig apply");
    const text = await t.waitFor(/EXIT=1/);
    expect(text).toContain("run first\ndone first");
    expect(text).toContain("  talky | step one\n  talky | step two\ndone talky");
    expect(text).toContain("failed broken");
    expect(text).not.toMatch(/[✓✗⠋]/);
  });
});
