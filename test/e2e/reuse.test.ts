/**
 * A reused run's outputs are what it made, and stale workspaces are visible (README
 * "Correct reuse"): edit, apply, revert, apply gives the reverted content; a base changed
 * behind rig's back is `artifact-changed`; `rig ls` says `outdated`; `rig gc` collects
 * bases nothing needs and keeps the ones a cached run or a workspace uses.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { project, rig, tempDir } from "../helpers.ts";

setDefaultTimeout(240_000);

/** The directory the workflow's last applied result names (`ctx[key].path`), from the state file. */
function basePath(dir: string, key = "base", workflow?: string): string {
  const db = new Database(join(dir, ".rigkit/state.sqlite"), { readonly: true });
  try {
    const rows = db.query("SELECT workflow, ctx FROM workflow_state").all() as { workflow: string; ctx: string }[];
    const row = rows.find((r) => workflow === undefined || r.workflow === workflow) as { ctx: string };
    return (JSON.parse(row.ctx) as Record<string, { path: string }>)[key]?.path as string;
  } finally {
    db.close();
  }
}

const planOf = async (dir: string) =>
  Object.fromEntries(((await rig(["plan", "--json"], { cwd: dir })).json().nodes as { path: string; status: string; reason: string | null }[]).map((n) => [n.path, n.reason ?? n.status]));

const lsOf = async (dir: string, extra: string[] = []) =>
  Object.fromEntries(((await rig(["ls", "--json", ...extra], { cwd: dir })).json().workspaces as { name: string; outdated: boolean }[]).map((w) => [w.name, w.outdated]));

async function applied(dir: string): Promise<void> {
  const r = await rig(["apply"], { cwd: dir });
  expect(r.exitCode, r.stderr).toBe(0);
}

describe("the rig init local template", () => {
  const dir = tempDir();

  test("edit, apply, edit, apply, revert, apply: the base and a new workspace hold the reverted content", async () => {
    expect((await rig(["init"], { cwd: dir })).exitCode).toBe(0);
    writeFileSync(join(dir, "notes.txt"), "one\n");
    await applied(dir);
    writeFileSync(join(dir, "notes.txt"), "two\n");
    await applied(dir);
    writeFileSync(join(dir, "notes.txt"), "one\n");
    // The first run's key matches again, but its directory holds the second run's files.
    expect(await planOf(dir)).toEqual({ deps: "cached", source: "artifact-changed" });
    const explain = await rig(["cache", "explain", "source"], { cwd: dir });
    expect(explain.stdout).toContain("artifact-changed");
    expect(explain.stdout).toContain("no longer holds this run's output");
    await applied(dir);
    const base = basePath(dir);
    expect(readFileSync(join(base, "notes.txt"), "utf8")).toBe("one\n");
    expect(await planOf(dir)).toEqual({ deps: "cached", source: "cached" });
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["exec", "ws1", "--", "cat", "notes.txt"], { cwd: dir })).stdout).toBe("one\n");
  });

  test("rig ls: outdated once a later apply replaced the base, status unchanged; a new workspace is not", async () => {
    expect(await lsOf(dir)).toEqual({ ws1: false });
    writeFileSync(join(dir, "notes.txt"), "three\n");
    await applied(dir);
    expect(await lsOf(dir)).toEqual({ ws1: true });
    expect(await lsOf(dir, ["--cached"])).toEqual({ ws1: true });
    const text = await rig(["ls"], { cwd: dir, env: { NO_COLOR: "1" } });
    expect(text.stdout).toMatch(/ws1\s+ready · outdated/);
    expect((await rig(["create", "ws2"], { cwd: dir })).exitCode).toBe(0);
    expect(await lsOf(dir)).toEqual({ ws1: true, ws2: false });
    // A fork carries its source's base: as outdated as ws1.
    expect((await rig(["create", "ws3", "--from", "ws1"], { cwd: dir })).exitCode).toBe(0);
    expect((await lsOf(dir)).ws3).toBe(true);
    // A plan or an apply that reuses everything replaces nothing.
    await applied(dir);
    expect(await lsOf(dir)).toEqual({ ws1: true, ws2: false, ws3: true });
    expect((await rig(["exec", "ws2", "--", "cat", "notes.txt"], { cwd: dir })).stdout).toBe("three\n");
  });

  test("a base changed behind rig's back is artifact-changed, and apply makes it again", async () => {
    const base = basePath(dir);
    writeFileSync(join(base, "notes.txt"), "scribbled\n");
    expect((await planOf(dir)).source).toBe("artifact-changed");
    const explain = await rig(["cache", "explain", "source"], { cwd: dir });
    expect(explain.stdout).toContain("changed since run");
    await applied(dir);
    expect(readFileSync(join(basePath(dir), "notes.txt"), "utf8")).toBe("three\n");
    expect(await planOf(dir)).toEqual({ deps: "cached", source: "cached" });
    // A file added counts too.
    writeFileSync(join(basePath(dir), "extra.txt"), "x\n");
    expect((await planOf(dir)).source).toBe("artifact-changed");
  });
});

/** A custom config: a non-fresh directory rewritten in place from a config value, and a second task adding to it. */
const CUSTOM = (version: string, added = "added") => `import { workflow, local } from "rigkit";
import { writeFileSync } from "node:fs";
export default workflow("custom")
  .addProvider("local", local())
  .configure({ version: ${JSON.stringify(version)} })
  .task("write", async ({ providers, config }) => {
    const dir = providers.local.prepareDir("out");
    writeFileSync(dir + "/version.txt", config.version + "\\n");
    return { ctx: { out: providers.local.dirRef(dir) } };
  })
  .task("add", async ({ step }) => {
    writeFileSync(step.ctx.out.path + "/added.txt", ${JSON.stringify(added)} + "\\n");
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.out }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  });
`;

describe("a custom config", () => {
  test("edit, apply, revert, apply on a directory rewritten in place gives the reverted content", async () => {
    const dir = project({ "rigkit.config.ts": CUSTOM("1") });
    await applied(dir);
    writeFileSync(join(dir, "rigkit.config.ts"), CUSTOM("2"));
    await applied(dir);
    writeFileSync(join(dir, "rigkit.config.ts"), CUSTOM("1"));
    // (`add` has the same config in scope: its own key changed too.)
    expect(await planOf(dir)).toEqual({ write: "artifact-changed", add: "config-changed" });
    await applied(dir);
    expect(readFileSync(join(basePath(dir, "out"), "version.txt"), "utf8")).toBe("1\n");
    expect(await planOf(dir)).toEqual({ write: "cached", add: "cached" });
    expect((await rig(["create", "w"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["exec", "w", "--", "cat", "version.txt", "added.txt"], { cwd: dir })).stdout).toBe("1\nadded\n");
  });

  test("a later task changing an earlier task's directory again is caught for that later task", async () => {
    const twoAdds = (text: string) => CUSTOM("1", text);
    const dir = project({ "rigkit.config.ts": twoAdds("a") });
    await applied(dir);
    writeFileSync(join(dir, "rigkit.config.ts"), twoAdds("b"));
    await applied(dir);
    writeFileSync(join(dir, "rigkit.config.ts"), twoAdds("a"));
    // `write` is still what `add` built on; `add`'s older run's output was overwritten by the newer `add`.
    expect(await planOf(dir)).toEqual({ write: "cached", add: "artifact-changed" });
    await applied(dir);
    expect(readFileSync(join(basePath(dir, "out"), "added.txt"), "utf8")).toBe("a\n");
  });
});

const TTL0 = (content: string) => `import { workflow, local } from "rigkit";
import { writeFileSync } from "node:fs";
export default workflow("t")
  .addProvider("local", local())
  .task("prepare", async ({ providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    writeFileSync(dir + "/content.txt", ${JSON.stringify(content)});
    return { ctx: { base: providers.local.dirRef(dir) } };
  })
  // Runs on every apply, reads only: the base stays what it was.
  .task("check", { cacheTTL: 0 }, async ({ step }) => ({ ctx: step.ctx }))
  .workspace({
    create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  });
`;

test("outdated follows the base, not every run: a cacheTTL 0 task that leaves the base alone keeps workspaces current", async () => {
  const dir = project({ "rigkit.config.ts": TTL0("one") });
  expect((await rig(["create", "w"], { cwd: dir })).exitCode).toBe(0);
  await applied(dir);
  expect(await lsOf(dir)).toEqual({ w: false });
  writeFileSync(join(dir, "rigkit.config.ts"), TTL0("two"));
  await applied(dir);
  expect(await lsOf(dir)).toEqual({ w: true });
});

const LAYERS = (failing: boolean) => `import { workflow, local } from "rigkit";
import { writeFileSync } from "node:fs";
export default workflow("l")
  .addProvider("local", local())
  .task("prepare", async ({ providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    writeFileSync(dir + "/one.txt", "one");
    return { ctx: { base: providers.local.dirRef(dir), path: dir } };
  })
  // Writes into the base but hands on only its path, not the ref.
  .task("unref", async ({ step }) => {
    writeFileSync(step.ctx.path + "/two.txt", "two");
    return { ctx: { path: step.ctx.path } };
  })
  .task("last", async ({ step }) => {
    writeFileSync(step.ctx.path + "/three.txt", "three");
    ${failing ? 'throw new Error("half-way");' : ""}
  });
`;

test("writes into a base by later tasks of the same apply count as built on it; a failed apply resumes at the failed task", async () => {
  const dir = project({ "rigkit.config.ts": LAYERS(true) });
  const failed = await rig(["apply"], { cwd: dir });
  expect(failed.exitCode).toBe(1);
  // The half-written base is what the failed apply left: the next one resumes at `last`.
  expect((await planOf(dir)).prepare).toBe("cached");
  expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(1);
  writeFileSync(join(dir, "rigkit.config.ts"), LAYERS(false));
  const plan = await planOf(dir);
  expect([plan.prepare, plan.unref, plan.last === "cached"]).toEqual(["cached", "cached", false]);
  await applied(dir);
  expect(await planOf(dir)).toEqual({ prepare: "cached", unref: "cached", last: "cached" });
  // Behind rig's back is still behind rig's back.
  writeFileSync(join(dir, ".rigkit", "base", "base", "one.txt"), "scribbled");
  expect((await planOf(dir)).prepare).toBe("artifact-changed");
});

/** Two prepared directories, the second one only when `second` is set. */
const GC_CONFIG = (names: string[]) => `import { workflow, local } from "rigkit";
export default workflow("g")
  .addProvider("local", local())
  .task("prep", async ({ providers }) => {
    const refs = {};
    for (const name of ${JSON.stringify(names)}) {
      const dir = providers.local.prepareDir(name, { fresh: true });
      await providers.local.exec("seq 1 1200 | while read i; do echo $i > f$i; done", { cwd: dir });
      refs[name] = providers.local.dirRef(dir);
    }
    return { ctx: { base: refs[${JSON.stringify(names[0])}], refs } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  });
`;

describe("rig gc and old bases", () => {
  test("removes a base no cached run or workspace needs; keeps one a cached run names and one an overlay workspace sits on", async () => {
    const dir = project({ "rigkit.config.ts": GC_CONFIG(["cur", "old"]) });
    const env = { RIGKIT_LOCAL_OVERLAY: "always" };
    await applied(dir);
    const ws = (await rig(["create", "w", "--json"], { cwd: dir, env })).json().workspaces[0];
    expect(ws.ctx.method, "needs root and overlayfs").toBe("overlay");
    const baseRoot = join(dir, ".rigkit", "base");
    // Nothing is unused yet: the cached run names both.
    expect((await rig(["gc", "--dry-run", "--json"], { cwd: dir })).stdout).not.toContain(join(baseRoot, "old"));

    // The config stops making "old"; its runs are invalidated, so no cached run needs it any more.
    writeFileSync(join(dir, "rigkit.config.ts"), GC_CONFIG(["cur"]));
    expect((await rig(["cache", "g", "invalidate", "--all", "--yes"], { cwd: dir })).exitCode).toBe(0);
    await applied(dir);
    const gc = await rig(["gc", "--yes"], { cwd: dir, env });
    expect(gc.exitCode, gc.stderr).toBe(0);
    expect(existsSync(join(baseRoot, "old"))).toBe(false);
    expect(existsSync(join(baseRoot, ".old.rigkit-owner"))).toBe(false);
    expect(existsSync(join(baseRoot, "cur", "f1"))).toBe(true);

    // The apply rebuilt "cur" while w sat on it: the old one was moved aside, still under w.
    expect((await rig(["exec", "w", "--", "cat", "f1"], { cwd: dir })).stdout).toBe("1\n");
    // Forget every run: "cur" is needed by no cached run, and w's retired base by w only.
    expect((await rig(["cache", "g", "clear"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["create", "w2", "--json"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["cache", "g", "clear"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["gc", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(existsSync(join(baseRoot, "cur", "f1")), "w2 sits on it").toBe(true);
    expect((await rig(["exec", "w", "--", "cat", "f1"], { cwd: dir })).stdout).toBe("1\n");
    expect((await rig(["rm", "w2", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["gc", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(existsSync(join(baseRoot, "cur"))).toBe(false);
    expect((await rig(["exec", "w", "--", "cat", "f1"], { cwd: dir })).stdout).toBe("1\n");
    expect((await rig(["rm", "w", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  });

  test("never deletes a base that is not this project's, or a symlink put where one was", async () => {
    const dir = project({ "rigkit.config.ts": GC_CONFIG(["cur"]) });
    await applied(dir);
    const baseRoot = join(dir, ".rigkit", "base");
    // Another project's marker on a directory in our base root: not ours.
    mkdirSync(join(baseRoot, "theirs"));
    writeFileSync(join(baseRoot, "theirs", "keep"), "x");
    writeFileSync(join(baseRoot, ".theirs.rigkit-owner"), JSON.stringify({ rigkit: 1, project: "someone-else", dir: "/elsewhere", base: "theirs" }));
    // A symlink where a base was, even with this project's marker beside it: never followed.
    const outside = tempDir();
    writeFileSync(join(outside, "keep"), "x");
    symlinkSync(outside, join(baseRoot, "link"));
    writeFileSync(join(baseRoot, ".link.rigkit-owner"), readFileSync(join(baseRoot, ".cur.rigkit-owner")));
    expect((await rig(["cache", "g", "clear"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["gc", "--yes"], { cwd: dir })).exitCode).toBe(0);
    expect(existsSync(join(baseRoot, "theirs", "keep"))).toBe(true);
    expect(existsSync(join(outside, "keep"))).toBe(true);
    expect(existsSync(join(baseRoot, "cur"))).toBe(false);
  });
});
