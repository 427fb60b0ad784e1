/** Regression tests for the rough edges a new user met (issue 12). */
import { describe, expect, test } from "bun:test";
import { project, rig } from "../helpers.ts";

const OPS = `
import { workflow, local, z } from "rigkit";
export default workflow("app")
  .addProvider("local", local())
  .task("t", async () => ({ ctx: { ok: true } }))
  .workspace({ create: async () => ({ made: true }) })
  .workspaceOperation("status", { title: "Status", description: "how it is", run: async () => ({ up: true }) })
  .workspaceOperation("say", {
    input: z.object({ text: z.string() }),
    run: async ({ input, providers }) => {
      const r = await providers.local.exec(["echo", input.text]);
      return { stdout: r.stdout, note: "done" };
    },
  })
  .operation("deploy", {
    input: z.object({ target: z.string().describe("where to"), count: z.number(), force: z.boolean().default(false) }),
    run: async ({ input }) => input,
  });
`;

describe("rough edges", () => {
  test("rig <ws> lists that workspace's operations", async () => {
    const dir = project({ "rigkit.config.ts": OPS });
    await rig(["create", "ws1"], { cwd: dir });
    const text = await rig(["ws1"], { cwd: dir });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain("rig ws1/status");
    expect(text.stdout).toContain("Status — how it is");
    expect(text.stdout).toContain("rig ws1/remove");
    const json = await rig(["ws1", "--json"], { cwd: dir });
    expect(json.json()).toMatchObject({ workspace: "ws1", workflow: "app", operations: [{ id: "status", title: "Status" }, { id: "say" }, { id: "remove" }] });
  });

  test("did you mean: commands, workspaces, operations", async () => {
    const dir = project({ "rigkit.config.ts": OPS });
    await rig(["create", "ws1"], { cwd: dir });
    const cases: [string[], string][] = [
      [["plann"], "Did you mean plan?"],
      [["deplyo"], "Did you mean deploy?"],
      [["wss1"], "Did you mean ws1?"],
      [["ws2/status"], "Did you mean ws1?"],
      [["ws1/statsu"], "Did you mean status?"],
    ];
    for (const [args, hint] of cases) {
      const r = await rig(args, { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(hint);
    }
    // No config at all: still a suggestion for commands.
    const bare = await rig(["aply"], { cwd: project({}) });
    expect(bare.stderr).toContain("Did you mean apply?");
  });

  test("every missing required input in one error", async () => {
    const dir = project({ "rigkit.config.ts": OPS });
    const r = await rig(["deploy"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("Missing required inputs --target, --count for deploy");
    expect(r.stderr).toContain("--target: where to");
  });

  test("text mode does not print again what an operation streamed", async () => {
    const dir = project({ "rigkit.config.ts": OPS });
    await rig(["create", "ws1"], { cwd: dir });
    const r = await rig(["ws1/say", "--text", "hello-once"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(`${r.stdout}${r.stderr}`.split("hello-once").length - 1).toBe(1);
    expect(r.stdout).toContain('"note": "done"');
    // --json keeps the whole result.
    expect((await rig(["ws1/say", "--text", "x", "--json"], { cwd: dir })).json()).toEqual({ stdout: "x", note: "done" });
  });

  test("rig cache works without the workflow when there is one; several need a name", async () => {
    const dir = project({ "rigkit.config.ts": OPS });
    // Before any config load too.
    const ls = await rig(["cache", "ls", "--json"], { cwd: dir });
    expect(ls.exitCode).toBe(0);
    expect(ls.json()).toEqual({ entries: [] });
    await rig(["apply"], { cwd: dir });
    expect((await rig(["cache", "ls", "--json"], { cwd: dir })).json().entries.map((e: { path: string }) => e.path)).toEqual(["t"]);
    expect((await rig(["cache", "explain", "t", "--json"], { cwd: dir })).json().tasks[0]).toMatchObject({ path: "t", status: "cached" });
    expect((await rig(["cache", "invalidate", "t"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["cache", "app", "ls", "--json"], { cwd: dir })).json().entries[0].invalidated).toBe(true);
    const typo = await rig(["cache", "lss"], { cwd: dir });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("Did you mean ls?");

    const two = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";\nexport const a = workflow("a").task("t", async () => {});\nexport const b = workflow("b").task("t", async () => {});\n`,
    });
    const ambiguous = await rig(["cache", "ls"], { cwd: two });
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr).toContain("Workflows: a, b");
  });

  test("errors point at the user's source line, never the transpiled code", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";

export default workflow("app")
  .task("a", async () => {
    const opts = { slow: true };
    return { ctx: { v: (opts as any).missing.deep } };
  });
`,
    });
    const r = await rig(["apply"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("Task app/a failed: undefined is not an object");
    expect(r.stderr).toMatch(/in rigkit\.config\.ts:6:\d+\n\s+return \{ ctx: \{ v: \(opts as any\)\.missing\.deep \} \};/);
    expect(r.stderr).not.toContain("!0");

    const syntax = project({ "rigkit.config.ts": `import { workflow } from "rigkit";\nconst opts = { slow: true };\nexport default workflow("app").task("x", async () => { const y = ; });\n` });
    const bad = await rig(["plan"], { cwd: syntax });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("in rigkit.config.ts:3:");
    expect(bad.stderr).not.toContain("!0");
  });

  test("cache explain: (unset) for a missing version, TTL wording, and the provider config key that changed", async () => {
    const config = (version: string, host: string, ttl: string) => `import { workflow, defineProvider, env } from "rigkit";
const demo = defineProvider<{ host: string; token: unknown }>({ id: "demo", create: () => ({ runtime: () => ({}) }) });
export default workflow("app")
  .addProvider("demo", demo({ host: "${host}", token: env.secret("DEMO_TOKEN") }))
  .task("a", ${version}async () => {})
  .task("b", { cacheTTL: ${ttl} }, async () => {});
`;
    const dir = project({ "rigkit.config.ts": config("", "one", "0") });
    const env = { DEMO_TOKEN: "s3cret-value" };
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    const ttl = await rig(["cache", "explain", "b"], { cwd: dir, env });
    expect(ttl.stdout).toContain("cacheTTL 0: runs on every apply");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${dir}/rigkit.config.ts`, config('{ version: "2" }, ', "two", '"7d"'));
    const explain = await rig(["cache", "explain", "a"], { cwd: dir, env });
    expect(explain.stdout).toContain('version (unset) → "2"');
    expect(explain.stdout).toContain('provider demo config key host: "one" → "two"');
    expect(explain.stdout).not.toContain("null");
    const state = (await import("node:fs")).readFileSync(`${dir}/.rigkit/state.sqlite`);
    expect(state.includes("s3cret-value")).toBe(false);
  });
});
