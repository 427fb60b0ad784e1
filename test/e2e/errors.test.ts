/** Bad input through the real bin/rig: one clear line, the right exit code, no stack trace, no lost data. */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { project, rig, tempDir, workspaceDir } from "../helpers.ts";
import { APP_CONFIG, TWO_WORKFLOWS } from "./fixtures.ts";

/** Text-mode errors: first line "error …", no stack frames. */
function expectCleanError(stderr: string, pattern: RegExp) {
  const lines = stderr.trimEnd().split("\n");
  const first = lines.find((l) => l.startsWith("error "));
  expect(first).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at .*\/.+:\d+:\d+\)?$/m);
}

describe("config problems exit 2 and name the file or id", () => {
  test("no config anywhere", async () => {
    const dir = tempDir();
    const r = await rig(["plan"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expectCleanError(r.stderr, /No rigkit.config.ts \(or rigkit\/index.ts\) in .* or any parent directory/);
    const j = await rig(["plan", "--json"], { cwd: dir });
    expect(j.stdout).toBe("");
    expect(j.error().code).toBe("CONFIG_NOT_FOUND");
  });

  test("a syntax error", async () => {
    const dir = project({ "rigkit.config.ts": `import { workflow } from "rigkit";\nexport default workflow("x").task("a", async () => {\n` });
    const r = await rig(["plan"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expectCleanError(r.stderr, /Cannot load rigkit.config.ts/);
    expect(r.stderr).toMatch(/^  in rigkit.config.ts:\d+:\d+$/m);
  });

  test("a stack trace appears only with RIGKIT_DEBUG=1", async () => {
    const dir = project({ "rigkit.config.ts": `const x = 1;\nthrow new Error("config exploded");\nexport {};\n` });
    const plain = await rig(["plan"], { cwd: dir });
    expect(plain.exitCode).toBe(2);
    expectCleanError(plain.stderr, /Cannot load rigkit.config.ts: config exploded/);
    expect(plain.stderr).toContain("  in rigkit.config.ts:2:");
    const debug = await rig(["plan"], { cwd: dir, env: { RIGKIT_DEBUG: "1" } });
    expect(debug.stderr).toMatch(/^\s+at .*\/.+:\d+:\d+\)?$/m);
  });

  test("an import of a package that is not installed fails fast, offline", async () => {
    const dir = project({ "rigkit.config.ts": `import "left-pad-not-installed";\nexport {};\n` });
    const r = await rig(["plan"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expectCleanError(r.stderr, /Cannot load rigkit.config.ts: .*left-pad-not-installed/);
  });

  const cases: [string, string, RegExp][] = [
    ["no workflow exported", `export const x = 1;`, /exports no workflow/],
    ["a default export that is not a workflow", `export default 42;`, /default export is not a workflow/],
    ["duplicate task ids", `export default workflow("w").task("a", async () => {}).task("a", async () => {});`, /duplicate task id "a"/],
    ["a task id with a slash", `export default workflow("w").task("a/b", async () => {});`, /task id "a\/b" must not contain "\/"/],
    ["an empty task id", `export default workflow("w").task("", async () => {});`, /task id must be a non-empty string/],
    ["an operation named like a command", `export default workflow("w").operation("plan", { run: async () => {} });`, /operation "plan" collides with the rig command/],
    ["a workspace operation named like a command", `export default workflow("w").workspaceOperation("ls", { run: async () => {} });`, /operation "ls" collides/],
    ["duplicate operation ids", `export default workflow("w").operation("x", { run: async () => {} }).operation("x", { run: async () => {} });`, /duplicate operation "x"/],
    ["two workflows with one name", `export const a = workflow("w"); export const b = workflow("w");`, /Two workflows are named "w"/],
    ["a bad cacheTTL", `export default workflow("w").task("t", { cacheTTL: "soon" }, async () => {});`, /cacheTTL "soon" is not a duration/],
  ];
  for (const [name, body, message] of cases) {
    test(name, async () => {
      const dir = project({ "rigkit.config.ts": `import { workflow } from "rigkit";\n${body}\n` });
      const r = await rig(["plan", "--json"], { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.error().code).toBe("CONFIG_ERROR");
      expect(r.error().message).toMatch(message);
    });
  }

  test("a parallel branch colliding with a context key", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow, sequence } from "rigkit";
export default workflow("w").task("t", async () => ({ ctx: { db: 1 } })).parallel({ db: sequence("db").task("x", async () => {}) });`,
    });
    const r = await rig(["apply", "--json"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.error()).toMatchObject({ code: "CONFIG_ERROR", message: 'Workflow "w": parallel branch "db" collides with context key "db"' });
  });
});

describe("usage errors exit 2", () => {
  const dir = project({ "rigkit.config.ts": APP_CONFIG });

  test("setup: one workspace", async () => {
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
  });

  const cases: [string, string[], string, RegExp][] = [
    ["a name with ../", ["create", "../x"], "INVALID_NAME", /Invalid workspace name "\.\.\/x": use letters, digits/],
    ["a name with a slash", ["create", "a/b"], "INVALID_NAME", /Invalid workspace name/],
    ["a name of dots", ["create", ".."], "INVALID_NAME", /not '\.' or '\.\.'/],
    ["a name too long", ["create", "x".repeat(64)], "INVALID_NAME", /at most 63 characters/],
    ["a name starting with -", ["create", "--", "-x"], "INVALID_NAME", /do not start with '-'/],
    ["an option where a name should be", ["create", "-x"], "USAGE", /unknown option '-x'/],
    ["an existing workspace", ["create", "ws1"], "WORKSPACE_EXISTS", /Workspace ws1 already exists in workflow app/],
    ["an unknown workspace", ["nope/cat"], "UNKNOWN_WORKSPACE", /Unknown workspace nope/],
    ["an unknown workspace for rm", ["rm", "nope", "--yes"], "UNKNOWN_WORKSPACE", /Unknown workspace nope/],
    ["an unknown operation", ["ws1/nope"], "UNKNOWN_OPERATION", /Unknown workspace operation "nope" in workflow app/],
    ["an unknown command", ["frobnicate"], "UNKNOWN_COMMAND", /Unknown command "frobnicate"/],
    ["an unknown flag", ["plan", "--frob"], "USAGE", /unknown option '--frob'/],
    ["an unknown operation flag", ["ws1/test", "--filter", "x", "--frob"], "USAGE", /unknown option '--frob'/],
    ["a missing required input without a TTY", ["ws1/test"], "INVALID_INPUT", /Missing required input --filter for ws1\/test/],
    ["a number input that is not a number", ["ws1/test", "--filter", "x", "--retries", "many"], "USAGE", /expected a number/],
    ["an enum input out of range", ["ws1/test", "--filter", "x", "--level", "huge"], "USAGE", /Allowed choices are unit, e2e/],
    ["rm without --yes and no TTY", ["rm", "ws1"], "CONFIRMATION_REQUIRED", /needs confirmation: pass --yes/],
    ["rm with neither names nor --all", ["rm", "--yes"], "USAGE", /Name the workspaces to remove, or pass --all/],
    ["rm with names and --all", ["rm", "ws1", "--all"], "USAGE", /not both/],
    ["ws/ with no operation", ["ws1/"], "USAGE", /names no operation/],
    ["/op with no workspace", ["/cat"], "USAGE", /names no workspace/],
    ["an unknown workflow", ["plan", "--workflow", "nope"], "UNKNOWN_WORKFLOW", /Unknown workflow "nope"/],
    ["help for something that is no command", ["help", "frobnicate"], "UNKNOWN_COMMAND", /Unknown command "frobnicate"/],
    ["log of an unknown workflow", ["log", "--workflow", "nope"], "UNKNOWN_WORKFLOW", /Unknown workflow "nope"/],
    ["--chdir to nowhere", ["--chdir", "/nonexistent/dir", "plan"], "USAGE", /--chdir: .* is not a directory/],
    ["--config to nowhere", ["plan", "--config", "missing.ts"], "CONFIG_NOT_FOUND", /Config file .*missing.ts does not exist/],
  ];
  for (const [name, args, code, message] of cases) {
    test(name, async () => {
      const r = await rig(["--json", ...args], { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.error().code).toBe(code);
      expect(r.error().message).toMatch(message);
      const text = await rig(args, { cwd: dir });
      expect(text.exitCode).toBe(2);
      expect(text.stderr).not.toMatch(/^\s+at .*\/.+:\d+:\d+\)?$/m);
    });
  }

  test("nothing was lost along the way", async () => {
    const r = await rig(["ls", "--json"], { cwd: dir });
    expect(r.json().workspaces.map((w: { name: string }) => w.name)).toEqual(["ws1"]);
  });
});

describe("failures exit 1", () => {
  test("a failing task names the task and keeps earlier results; the next apply resumes", async () => {
    const config = (broken: boolean) => `import { workflow } from "rigkit";
export default workflow("w")
  .task("one", async () => ({ ctx: { one: 1 } }))
  .task("two", async ({ step }) => { ${broken ? `console.log("about to fail"); throw new Error("disk full");` : "return { ctx: { ...step.ctx, two: 2 } };"} });`;
    const dir = project({ "rigkit.config.ts": config(true) });
    const r = await rig(["apply"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expectCleanError(r.stderr, /^error Task w\/two failed: disk full$/);
    expect(r.stderr).toContain("two | about to fail");
    const j = await rig(["apply", "--json"], { cwd: dir });
    expect(j.stdout).toBe("");
    expect(j.error()).toMatchObject({ code: "TASK_FAILED", message: "Task w/two failed: disk full", task: "w/two" });
    expect((j.error() as { detail?: string[] }).detail?.some((line) => line.startsWith("full log: "))).toBe(true);

    writeFileSync(join(dir, "rigkit.config.ts"), config(false));
    const fixed = await rig(["apply", "--json"], { cwd: dir });
    expect(fixed.exitCode).toBe(0);
    expect(fixed.json()).toMatchObject({ ran: ["two"], cached: ["one"], ctx: { one: 1, two: 2 } });
  });

  test("a failing command shows its stderr", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow, local } from "rigkit";
export default workflow("w").addProvider("local", local())
  .task("t", async ({ providers }) => { await providers.local.exec(["sh", "-c", "echo oops >&2; exit 3"]); });`,
    });
    const r = await rig(["apply"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expectCleanError(r.stderr, /Task w\/t failed: local: command failed \(exit 3\): sh -c 'echo oops >&2; exit 3'/);
    expect(r.stderr).toMatch(/^\s+oops$/m);
  });

  test("a failing operation", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["create", "w"], { cwd: dir });
    const r = await rig(["w/explode", "--json"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.error()).toMatchObject({ code: "OPERATION_FAILED", message: "Operation w/explode failed: kaboom", workspace: "w" });
    // The detail says where the user's code threw.
    expect((r.error() as { detail?: string[] }).detail?.[0]).toMatch(/^in rigkit\.config\.ts:\d+:\d+$/);
  });

  test("a failing remove hook keeps the record, unless --force", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("w")
  .workspace({ create: async () => ({ id: "res-1" }), remove: async () => { throw new Error("backend gone"); } })
  .workspaceOperation("noop", { run: async () => null });`,
    });
    await rig(["create", "stuck"], { cwd: dir });
    const r = await rig(["rm", "stuck", "--yes", "--json"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.error()).toMatchObject({ code: "HOOK_FAILED", message: "Removing workspace stuck failed: backend gone", workspace: "stuck" });
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces[0].name).toBe("stuck");
    const forced = await rig(["rm", "stuck", "--yes", "--force", "--json"], { cwd: dir });
    expect(forced.exitCode).toBe(0);
    expect(forced.json()).toEqual({ removed: ["stuck"] });
    expect(forced.stderr).toContain('warning stuck: the remove hook failed (backend gone); forgotten anyway, its resources may remain: {"id":"res-1"}');
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces).toEqual([]);
  });

  test("a create hook that throws leaves no record and undoes what it reported", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow, local } from "rigkit";
import { existsSync, writeFileSync } from "node:fs";
export default workflow("w").addProvider("local", local())
  .task("base", async ({ providers }) => ({ ctx: { base: providers.local.dirRef(providers.local.prepareDir("b")) } }))
  .workspace({
    create: async ({ workflow, providers }) => {
      const { dir } = await providers.local.createWorkspace({ from: workflow.ctx.base });
      if (!existsSync(dir)) throw new Error("expected the directory");
      throw new Error("halfway");
    },
    remove: async ({ workspace, providers }) => {
      writeFileSync("removed-" + workspace.name, String(workspace.ctx.dir));
      await providers.local.removeWorkspace(workspace.ctx.dir);
    },
  });`,
    });
    const r = await rig(["create", "ws1", "--json"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.error()).toMatchObject({ code: "HOOK_FAILED", message: "Creating workspace ws1 failed: halfway", workspace: "ws1" });
    expect(existsSync(workspaceDir(dir, "ws1"))).toBe(false);
    expect(readFileSync(join(dir, "removed-ws1"), "utf8")).toBe(workspaceDir(dir, "ws1"));
    expect((await rig(["ls", "--json"], { cwd: dir })).json()).toEqual({ workspaces: [], workflows: [] });
  });
});

describe("several workflows", () => {
  const dir = project({ "rigkit.config.ts": TWO_WORKFLOWS });

  test("plan needs --workflow without a TTY, and lists the choices", async () => {
    const r = await rig(["plan", "--json"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.error().message).toContain("pass --workflow");
    const text = await rig(["plan"], { cwd: dir });
    expect(text.stderr).toContain("Workflows: a, b");
    const chosen = await rig(["plan", "--workflow", "b", "--json"], { cwd: dir });
    expect(chosen.json().workflow).toBe("b");
  });

  test("a workspace name in one workflow only needs no --workflow; in two it does", async () => {
    expect((await rig(["create", "only", "--workflow", "a"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["only/where", "--json"], { cwd: dir })).json()).toBe("a");
    await rig(["create", "both", "--workflow", "a"], { cwd: dir });
    await rig(["create", "both", "--workflow", "b"], { cwd: dir });
    const ambiguous = await rig(["both/where", "--json"], { cwd: dir });
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.error().message).toBe("Workspace both exists in several workflows; pass --workflow <name>");
    expect((await rig(["both/where", "--workflow", "b", "--json"], { cwd: dir })).json()).toBe("b");
    const op = await rig(["shared", "--json"], { cwd: dir });
    expect(op.exitCode).toBe(2);
    expect((await rig(["--workflow", "a", "shared", "--json"], { cwd: dir })).json()).toBe("a");
  });
});
