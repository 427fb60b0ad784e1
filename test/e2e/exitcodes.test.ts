/**
 * Exit codes of actions (README, "Exit codes of actions"): an operation returning a
 * command's result exits with that command's code; one whose command throws exits 1
 * without repeating the output already shown.
 */
import { describe, expect, test } from "bun:test";
import { project, rig } from "../helpers.ts";

const CONFIG = `
import { workflow, local } from "rigkit";

const sh = (script: string) => ["sh", "-c", script];
export default workflow("app")
  .addProvider("local", local())
  .task("base", async ({ providers }) => ({ ctx: { base: providers.local.dirRef(providers.local.prepareDir("base", { fresh: true })) } }))
  .workspace({
    create: async ({ workflow, providers }) => ({ dir: (await providers.local.createWorkspace({ from: workflow.ctx.base })).dir }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  })
  .workspaceOperation("pass", {
    run: async ({ workspace, providers }) => providers.local.exec(sh("echo all-good"), { cwd: workspace.ctx.dir, reject: false }),
  })
  .workspaceOperation("fail", {
    run: async ({ workspace, providers }) => providers.local.exec(sh("echo line-one; echo line-two >&2; exit 3"), { cwd: workspace.ctx.dir, reject: false }),
  })
  .workspaceOperation("command", {
    run: async ({ workspace, local }) => local.command({ argv: sh("echo via-command; exit 5"), cwd: workspace.ctx.dir, mode: "capture" }),
  })
  .workspaceOperation("throws", {
    run: async ({ workspace, providers }) => { await providers.local.exec(sh("echo streamed-once; echo also-once >&2; exit 4"), { cwd: workspace.ctx.dir }); },
  })
  .workspaceOperation("lookalike", { run: async () => ({ exitCode: 9, stdout: "", stderr: "" }) })
  .workspaceOperation("copied", {
    run: async ({ workspace, providers }) => ({ ...(await providers.local.exec(sh("exit 6"), { cwd: workspace.ctx.dir, reject: false })) }),
  });
`;

const count = (text: string, part: string) => text.split(part).length - 1;

describe("exit codes of actions", () => {
  const dir = project({ "rigkit.config.ts": CONFIG });
  const env = { RIGKIT_TRUST_HOST_COMMANDS: "1" };
  const ready = rig(["create", "ws1"], { cwd: dir, env });

  test("a passing command: exit 0, its output shown once", async () => {
    expect((await ready).exitCode).toBe(0);
    const r = await rig(["ws1/pass"], { cwd: dir, env });
    expect(r.exitCode).toBe(0);
    expect(count(r.stdout + r.stderr, "all-good")).toBe(1);
    const json = await rig(["ws1/pass", "--json"], { cwd: dir, env });
    expect(json.exitCode).toBe(0);
    expect(json.json()).toMatchObject({ exitCode: 0, stdout: "all-good" });
  }, 30_000);

  test("reject: false and a failing command: rig exits with its code, output once", async () => {
    await ready;
    const r = await rig(["ws1/fail"], { cwd: dir, env });
    expect(r.exitCode).toBe(3);
    // Shown live once; the closing line names the command (whose text holds them too).
    expect(count(r.stdout + r.stderr, "| line-one")).toBe(1);
    expect(count(r.stdout + r.stderr, "| line-two")).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("ws1/fail: `sh -c 'echo line-one; echo line-two >&2; exit 3'` exited with code 3");
    expect(r.stderr).not.toMatch(/\berror\b/);
  }, 30_000);

  test("--json: the result document is printed and the exit code kept", async () => {
    await ready;
    const r = await rig(["ws1/fail", "--json"], { cwd: dir, env });
    expect(r.exitCode).toBe(3);
    expect(r.json()).toEqual({ command: "sh -c 'echo line-one; echo line-two >&2; exit 3'", exitCode: 3, stdout: "line-one", stderr: "line-two" });
    const cmd = await rig(["ws1/command", "--json"], { cwd: dir, env });
    expect(cmd.exitCode).toBe(5);
    expect(cmd.json()).toMatchObject({ ok: false, exitCode: 5, stdout: "via-command" });
  }, 30_000);

  test("a command that throws: exit 1, the error names command and code, streamed output not repeated", async () => {
    await ready;
    const r = await rig(["ws1/throws"], { cwd: dir, env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/error Operation ws1\/throws failed: local: command failed \(exit 4\): sh -c 'echo streamed-once; echo also-once >&2; exit 4'/);
    expect(count(r.stderr, "streamed-once")).toBe(2); // once live, once in the command line the error names
    expect(count(r.stderr, "also-once")).toBe(2);
    expect(r.stderr).not.toMatch(/^\s+streamed-once$/m);
    const json = await rig(["ws1/throws", "--json"], { cwd: dir, env });
    expect(json.exitCode).toBe(1);
    expect(json.stdout).toBe("");
    expect(json.error()).toMatchObject({ code: "OPERATION_FAILED", workspace: "ws1", detail: [] });
  }, 30_000);

  test("a result that only looks like a command's (or a copy of one) does not set the exit code", async () => {
    await ready;
    const r = await rig(["ws1/lookalike", "--json"], { cwd: dir, env });
    expect(r.exitCode).toBe(0);
    expect(r.json()).toEqual({ exitCode: 9, stdout: "", stderr: "" });
    const copied = await rig(["ws1/copied", "--json"], { cwd: dir, env });
    expect(copied.exitCode).toBe(0);
    expect(copied.json()).toMatchObject({ exitCode: 6 });
  }, 30_000);

  test("rig log records a failing command result as failed", async () => {
    await ready;
    await rig(["ws1/fail"], { cwd: dir, env });
    const { entries } = (await rig(["log", "--json"], { cwd: dir, env })).json() as { entries: { target: string; status: string; detail: unknown }[] };
    expect(entries.find((e) => e.target === "ws1/fail")).toMatchObject({ status: "failed", detail: { error: "exit 3" } });
    expect(entries.find((e) => e.target === "ws1/pass")).toMatchObject({ status: "ok" });
  }, 30_000);
});
