/** The main loop through the real bin/rig: plan → apply → plan → create → operation → ls → rm. */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SCHEMA_VERSION } from "../../src/state/schema.ts";
import { project, rig, workspaceDir } from "../helpers.ts";
import { APP_CONFIG } from "./fixtures.ts";

describe("the whole loop with --json", () => {
  const dir = project({ "rigkit.config.ts": APP_CONFIG });
  const run = (...args: string[]) => rig(args, { cwd: dir });

  test("plan: everything pending", async () => {
    const r = await run("plan", "--json");
    expect(r.exitCode).toBe(0);
    expect(r.json()).toEqual({
      workflow: "app",
      nodeCount: 2,
      cachedCount: 0,
      cachedNodeCount: 0, // upstream's name, beside ours
      nodes: [
        { path: "tools", name: "tools", status: "pending", reason: "no-previous-run", runId: null, scope: "local" },
        { path: "base", name: "base", status: "pending", reason: "no-previous-run", runId: null, scope: "local" },
      ],
    });
  });

  test("apply: runs both, progress and task output on stderr", async () => {
    const r = await run("apply", "--json");
    expect(r.exitCode).toBe(0);
    const out = r.json();
    expect(out.workflow).toBe("app");
    expect(out.ran).toEqual(["tools", "base"]);
    expect(out.cached).toEqual([]);
    expect(out.ctx).toEqual({ tools: true, base: { provider: "local", kind: "dir", path: join(dir, ".rigkit", "base", "base") } });
    expect(r.stderr).toContain("run base");
    expect(r.stderr).toContain("base | base prepared");
    expect(readFileSync(join(dir, ".rigkit", "base", "base", "marker.txt"), "utf8")).toBe("prepared\n");
  });

  test("plan again: everything cached, with run ids", async () => {
    const r = await run("plan", "--json");
    const out = r.json();
    expect(out.cachedCount).toBe(2);
    for (const node of out.nodes) {
      expect(node.status).toBe("cached");
      expect(node.reason).toBeNull();
      expect(node.runId).toMatch(/^r[0-9a-z]+$/);
    }
  });

  test("apply again: nothing runs", async () => {
    const r = await run("apply", "--json");
    expect(r.json().ran).toEqual([]);
    expect(r.json().cached).toEqual(["tools", "base"]);
  });

  test("create two workspaces", async () => {
    const r = await run("create", "ws1", "ws2", "--json");
    expect(r.exitCode).toBe(0);
    const out = r.json();
    expect(out.workspaces.map((w: { name: string }) => w.name)).toEqual(["ws1", "ws2"]);
    for (const w of out.workspaces) {
      expect(Object.keys(w)).toEqual(["name", "workflow", "ctx", "createdAt"]);
      expect(w.workflow).toBe("app");
      expect(w.ctx).toEqual({ dir: workspaceDir(dir, w.name) });
      expect(new Date(w.createdAt).toISOString()).toBe(w.createdAt);
      expect(readFileSync(join(w.ctx.dir, "marker.txt"), "utf8")).toBe("prepared\n");
    }
  });

  test("a workspace operation returns its JSON result", async () => {
    const r = await run("ws1/cat", "--json");
    expect(r.exitCode).toBe(0);
    expect(r.json()).toEqual({ marker: "prepared" });
    const spelled = await run("run", "ws2", "cat", "--json");
    expect(spelled.json()).toEqual({ marker: "prepared" });
  });

  test("an operation returning nothing prints null", async () => {
    const r = await run("ws1/nothing", "--json");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("null\n");
  });

  test("operation inputs come from flags, coerced and defaulted", async () => {
    const r = await run("ws1/test", "--filter", "unit-*", "--retries", "3", "--watch", "--level", "e2e", "--dry-run", "--json");
    expect(r.exitCode).toBe(0);
    expect(r.json()).toEqual({ input: { filter: "unit-*", retries: 3, watch: true, level: "e2e", dryRun: true }, workspace: "ws1" });
    const defaults = await run("--json", "ws1/test", "--filter=x", "--no-watch");
    expect(defaults.json()).toEqual({ input: { filter: "x", retries: 0, watch: false, level: "unit" }, workspace: "ws1" });
  });

  test("a workflow operation", async () => {
    const r = await run("hello", "--name", "rig", "--json");
    expect(r.exitCode).toBe(0);
    expect(r.json()).toEqual({ message: "hello rig" });
  });

  test("ls", async () => {
    const r = await run("ls", "--json");
    const out = r.json();
    expect(out.workspaces.map((w: { name: string }) => w.name)).toEqual(["ws1", "ws2"]);
    expect(Object.keys(out.workspaces[0])).toEqual(["name", "workflow", "ctx", "createdAt", "status", "expiresAt", "outdated"]);
    expect(out.workspaces.map((w: { status: string; expiresAt: null }) => [w.status, w.expiresAt])).toEqual([["ready", null], ["ready", null]]);
    const text = await run("ls");
    expect(text.stdout).toMatch(/^app applied/m);
    expect(text.stdout).toMatch(/ws1\s+ready/);
  });

  test("rm --all --yes removes records and directories", async () => {
    const r = await run("rm", "--all", "--yes", "--json");
    expect(r.exitCode).toBe(0);
    expect(r.json()).toEqual({ removed: ["ws1", "ws2"] });
    expect(existsSync(workspaceDir(dir, "ws1"))).toBe(false);
    expect((await run("ls", "--json")).json()).toEqual({ workspaces: [], workflows: [] });
  });

  test("the state file holds runs, the log and the manifest, with private permissions", async () => {
    const path = join(dir, ".rigkit", "state.sqlite");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, ".rigkit")).mode & 0o777).toBe(0o700);
    const db = new Database(path, { readonly: true });
    try {
      const runs = db.query("SELECT path, status FROM task_runs ORDER BY started_at").all();
      expect(runs).toEqual([
        { path: "tools", status: "ok" },
        { path: "base", status: "ok" },
      ]);
      const base = db.query("SELECT log FROM task_runs WHERE path = 'base'").get() as { log: string };
      expect(base.log).toContain("base prepared");
      const kinds = db.query("SELECT kind, target, status FROM oplog ORDER BY id").all();
      expect(kinds).toContainEqual({ kind: "create", target: "ws1", status: "ok" });
      expect(kinds).toContainEqual({ kind: "remove", target: "ws2", status: "ok" });
      const manifest = JSON.parse((db.query("SELECT body FROM manifest").get() as { body: string }).body);
      expect(manifest.workflows[0].workspaceOperations.map((o: { id: string }) => o.id)).toEqual(["cat", "test", "nothing", "explode"]);
      expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION });
    } finally {
      db.close();
    }
  });

  test("log lists what happened", async () => {
    const r = await run("log", "--json");
    const kinds = r.json().entries.map((e: { kind: string }) => e.kind);
    expect(kinds).toContain("apply");
    expect(kinds).toContain("operation");
  });
});

describe("text output", () => {
  test("plan, apply, create and rm print readable summaries", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    const plan = await rig(["plan"], { cwd: dir });
    expect(plan.stdout).toContain("app: 2 tasks, 0 cached, 2 pending");
    expect(plan.stdout).toMatch(/tools\s+pending\s+no-previous-run/);
    const apply = await rig(["apply"], { cwd: dir });
    expect(apply.stdout).toMatch(/Applied app: ran 2, cached 0/);
    const create = await rig(["create", "w"], { cwd: dir });
    expect(create.stdout).toContain("Created w (app)");
    const cat = await rig(["w/cat"], { cwd: dir });
    // The command's output is streamed once; the result repeating it is not printed again.
    expect(cat.stderr).toContain("w/cat | prepared");
    expect(cat.stdout).not.toContain("prepared");
    const rm = await rig(["rm", "w", "--yes"], { cwd: dir });
    expect(rm.stdout).toContain("Removed w");
  });
});
