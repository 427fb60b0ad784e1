/** Configs in upstream rigkit 0.3's documented style run unchanged, and type-check. */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, RIG, project, rig, tempDir } from "../helpers.ts";

const EXAMPLE = readFileSync(join(REPO, "examples", "upstream-style", "rigkit.config.ts"), "utf8");
const TSC = join(REPO, "node_modules", ".bin", "tsc");

describe("examples/upstream-style", () => {
  test("applies, creates, runs operations and removes, with both workflows from one builder", async () => {
    const dir = project({ "rigkit.config.ts": EXAMPLE });
    const plan = await rig(["plan", "--all", "--json"], { cwd: dir });
    expect(plan.exitCode).toBe(0);
    expect(plan.json().workflows.map((w: { workflow: string }) => w.workflow)).toEqual(["ci", "dev"]);

    // Several workflows and no --workflow: a usage error listing them and naming --all.
    const ambiguous = await rig(["plan"], { cwd: dir });
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr).toContain("ci, dev");
    expect(ambiguous.stderr).toContain("--all");

    const apply = await rig(["apply", "--all", "--json"], { cwd: dir });
    expect(apply.exitCode).toBe(0);
    const [ci, dev] = apply.json().workflows;
    expect(dev.ran).toEqual(["toolchain/resolve-toolchain", "checkout/checkout", "docs/build-docs", "cache/warm-cache", "join", "check"]);
    expect(ci.ctx).toEqual({ toolchain: { node: "22", packageManager: "npm" }, lint: "ok" });
    // cacheTTL 0 reruns the check only.
    const again = await rig(["apply", "--workflow", "dev", "--json"], { cwd: dir });
    expect(again.json().ran).toEqual(["check"]);

    expect((await rig(["create", "--workflow", "dev", "dev"], { cwd: dir })).exitCode).toBe(0);
    const status = await rig(["run", "dev", "status", "--json"], { cwd: dir });
    expect(status.exitCode).toBe(0);
    expect(status.json()).toMatchObject({ workspace: "dev", cacheKey: "22-npm" });
    const devOp = await rig(["dev/dev", "--port", "4000", "--json"], { cwd: dir });
    expect(devOp.json()).toEqual({ workspace: "dev", port: 4000, mode: "local" });
    // local.command: the reason is shown beside the command.
    const echo = await rig(["dev/host-echo", "--text", "hello", "--json"], { cwd: dir });
    expect(echo.json()).toEqual({ ok: true, stdout: "hello" });
    expect(echo.stderr).toContain("echo hello  # show the text");
    expect((await rig(["list-toolchain", "--json"], { cwd: dir })).json()).toEqual({ cacheKey: "22-npm" });

    // Titles in help and `ls config`.
    const help = await rig(["dev/dev", "--help"], { cwd: dir });
    expect(help.stdout).toContain("Start dev server");
    const config = await rig(["ls", "config"], { cwd: dir });
    expect(config.stdout).toContain("<ws>/status");
    expect(config.stdout).toContain("Status — Return workspace details");
    expect(config.stdout).toContain("List toolchain");

    expect((await rig(["rm", "dev", "--yes"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces).toEqual([]);
  }, 60_000);

  test("type-checks with tsc through the paths rig init writes, and a context mistake does not", () => {
    const dir = tempDir();
    expect(Bun.spawnSync([RIG, "init"], { cwd: dir }).exitCode).toBe(0);
    writeFileSync(join(dir, "rigkit", "index.ts"), EXAMPLE);
    const ok = Bun.spawnSync([TSC, "-p", join(dir, "rigkit")], { cwd: dir, stdout: "pipe" });
    expect(ok.stdout.toString()).toBe("");
    expect(ok.exitCode).toBe(0);
    writeFileSync(join(dir, "rigkit", "index.ts"), EXAMPLE.replace("`${step.ctx.repoPath}/docs`", "`${step.ctx.nope}/docs`"));
    const bad = Bun.spawnSync([TSC, "-p", join(dir, "rigkit")], { cwd: dir, stdout: "pipe" });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stdout.toString()).toContain("Property 'nope' does not exist");
  }, 60_000);
});

describe("upstream forms", () => {
  test("a default-exported sequence is a workflow; an unexported builder node is not; .step is .task", async () => {
    const dir = project({
      "rigkit.config.ts": `
import { sequence, workflow } from "@rigkit/sdk";
const app = workflow("x");
const base = app.sequence("base").step("one", async () => ({ ctx: { n: 1 } }));
export default sequence("api").add(base).task("two", async ({ step }) => ({ ctx: { n: step.ctx.n + 1 } }));
`,
    });
    const apply = await rig(["apply", "--json"], { cwd: dir });
    expect(apply.exitCode).toBe(0);
    expect(apply.json()).toMatchObject({ workflow: "api", ran: ["base/one", "two"], ctx: { n: 2 } });
  });

  test("an exported, empty workflow() builder gives way to its same-named sequence", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "@rigkit/sdk";
export const app = workflow("site");
export const site = app.sequence("site").task("t", async () => ({ ctx: { ok: 1 } }));
`,
    });
    const r = await rig(["apply", "--json"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.json()).toMatchObject({ workflow: "site", ran: ["t"] });
  });

  test('"@rigkit/sdk" and "rigkit" are the same module instance', async () => {
    const dir = project({
      "rigkit.config.ts": `
import * as a from "@rigkit/sdk";
import * as b from "rigkit";
export default a.workflow("same").task("t", async () => ({ ctx: { same: a.workflow === b.workflow && a.z === b.z } }));
`,
    });
    expect((await rig(["apply", "--json"], { cwd: dir })).json().ctx).toEqual({ same: true });
  });
});

describe("plan/apply --all and --discover", () => {
  const good = (name: string) => `import { workflow } from "rigkit";\nexport default workflow("${name}").task("t", async () => ({ ctx: { name: "${name}" } }));\n`;

  test("--discover plans every project below, reports a broken one and goes on", async () => {
    const dir = project({ "a/rigkit.config.ts": good("a"), "b/rigkit.config.ts": "export default 1 +\n", "c/rigkit/index.ts": good("c") });
    const text = await rig(["apply", "--discover"], { cwd: dir });
    expect(text.exitCode).toBe(2);
    expect(text.stdout).toContain("== a");
    expect(text.stdout).toContain("== c");
    expect(text.stderr).toContain("failed b: Cannot load b/rigkit.config.ts");
    expect(text.stderr).toContain("1 of 3 projects failed");
    // Both good projects were applied despite b.
    const plan = await rig(["plan", "--discover", "--json"], { cwd: join(dir, "a") });
    expect(plan.json().projects).toEqual([
      { root: join(dir, "a"), config: join(dir, "a", "rigkit.config.ts"), workflows: [expect.objectContaining({ workflow: "a", cachedCount: 1 })] },
    ]);
    const json = await rig(["plan", "--discover", "--json"], { cwd: dir });
    expect(json.stdout).toBe("");
    expect(json.error().message).toBe("1 of 3 projects failed");
  });

  test("--discover: a project's .env does not leak into the next project", async () => {
    const show = (name: string) =>
      `import { workflow } from "rigkit";\nexport default workflow("${name}").task("t", { cacheTTL: 0 }, async () => ({ ctx: { seen: process.env.ONLY_A ?? null } }));\n`;
    const dir = project({ "a/rigkit.config.ts": show("a"), "a/.env": "ONLY_A=from-a\n", "b/rigkit.config.ts": show("b") });
    const r = await rig(["apply", "--discover", "--json"], { cwd: dir });
    expect(r.json().projects.map((p: { workflows: { ctx: unknown }[] }) => p.workflows[0]?.ctx)).toEqual([{ seen: "from-a" }, { seen: null }]);
  });

  test("--all with --workflow is a usage error; --all with one workflow still wraps", async () => {
    const dir = project({ "rigkit.config.ts": good("only") });
    const both = await rig(["plan", "--all", "--workflow", "only"], { cwd: dir });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain("cannot be combined");
    const all = await rig(["plan", "--all", "--json"], { cwd: dir });
    expect(all.json().workflows).toHaveLength(1);
  });
});

describe("task inputs", () => {
  test("the local template reruns source when a file changes, not on a touch, and keeps the config out of workspaces", async () => {
    const dir = tempDir();
    const env = { RIGKIT_HOME: tempDir("rigkit-home-") };
    writeFileSync(join(dir, "index.js"), "console.log(1)\n");
    expect((await rig(["init"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    const cached = await rig(["plan", "--json"], { cwd: dir, env });
    expect(cached.json().cachedCount).toBe(2);

    // A touch without a content change stays cached.
    const later = new Date(Date.now() + 5_000);
    (await import("node:fs")).utimesSync(join(dir, "index.js"), later, later);
    expect((await rig(["plan", "--json"], { cwd: dir, env })).json().cachedCount).toBe(2);

    writeFileSync(join(dir, "index.js"), "console.log(2)\n");
    const plan = await rig(["plan", "--json"], { cwd: dir, env });
    expect(plan.json().nodes.map((n: { path: string; reason: string | null }) => [n.path, n.reason])).toEqual([
      ["deps", null],
      ["source", "inputs-changed"],
    ]);
    const explain = await rig(["cache", "app", "explain", "source"], { cwd: dir, env });
    expect(explain.stdout).toContain("input file index.js changed");

    expect((await rig(["create", "ws1"], { cwd: dir, env })).exitCode).toBe(0);
    const ls = await rig(["exec", "ws1", "--json", "--", "sh", "-c", "cat index.js; ls -A"], { cwd: dir, env });
    expect(ls.json().stdout).toBe("console.log(2)\n.gitignore\nindex.js\n");
    expect((await rig(["rm", "ws1", "--yes"], { cwd: dir, env })).exitCode).toBe(0);

    // Reverting the content finds the earlier run's key again, but its directory now holds
    // the later run's files: that run is not reused, and the base gets the reverted content.
    writeFileSync(join(dir, "index.js"), "console.log(1)\n");
    expect((await rig(["plan", "--json"], { cwd: dir, env })).json().nodes[1]).toMatchObject({ path: "source", status: "pending", reason: "artifact-changed" });
    expect((await rig(["create", "ws2"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["exec", "ws2", "--", "cat", "index.js"], { cwd: dir, env })).stdout).toBe("console.log(1)\n");
  }, 60_000);
});

describe("rig init and editors", () => {
  test("the README's type-check command works as written, with the TypeScript rigkit came with", async () => {
    const dir = tempDir();
    expect((await rig(["init"], { cwd: dir, env: { RIGKIT_HOME: tempDir("rigkit-home-") } })).exitCode).toBe(0);
    // README: `.rigkit/sdk/node_modules/.bin/tsc -p rigkit`
    const tsc = Bun.spawnSync([".rigkit/sdk/node_modules/.bin/tsc", "-p", "rigkit"], { cwd: dir, stdout: "pipe" });
    expect(tsc.stdout.toString()).toBe("");
    expect(tsc.exitCode).toBe(0);
  }, 60_000);
});
