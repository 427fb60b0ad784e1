/**
 * Crash safety: rig is SIGKILLed at every step boundary of apply, create and rm
 * (RIGKIT_FAULT), and at random moments. Afterwards the state opens, passes
 * integrity_check, keeps every finished task, `rig gc --dry-run` lists exactly what no
 * record owns, and `rig gc --yes` leaves no orphan and no stuck record.
 */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { RIG, project, rig, workspaceDir, homeOf } from "../helpers.ts";

const CONFIG = `import { workflow, local } from "rigkit";
export default workflow("c")
  .addProvider("local", local())
  .task("one", async () => ({ ctx: { one: 1 } }))
  .task("base", async ({ step, providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    await providers.local.exec(["sh", "-c", "for i in $(seq 1 300); do echo $i > f$i; done"], { cwd: dir });
    return { ctx: { ...step.ctx, base: providers.local.dirRef(dir) } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => { if (workspace.ctx.dir) await providers.local.removeWorkspace(workspace.ctx.dir); },
  });`;

function state(dir: string) {
  const db = new Database(join(dir, ".rigkit", "state.sqlite"));
  try {
    return {
      integrity: (db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check,
      runs: (db.query("SELECT path FROM task_runs WHERE status = 'ok'").all() as { path: string }[]).map((r) => r.path),
      workspaces: db.query("SELECT name, status, ctx FROM workspaces").all() as { name: string; status: string; ctx: string }[],
    };
  } finally {
    db.close();
  }
}

/** Workspace directories no record points at: what gc must find, computed independently. */
function unownedDirs(dir: string): string[] {
  const root = workspaceDir(dir);
  const owned = new Set(state(dir).workspaces.map((w) => (JSON.parse(w.ctx) as { dir?: string }).dir));
  // Hidden entries are owner markers (beside each directory) and copy probes, not workspaces.
  const dirs = existsSync(root) ? readdirSync(root).filter((n) => !n.startsWith(".")) : [];
  return dirs.map((n) => join(root, n)).filter((p) => !owned.has(p));
}

async function checkInvariants(dir: string, finished: string[]) {
  expect((await rig(["ls", "--json"], { cwd: dir })).exitCode).toBe(0);
  const before = state(dir);
  expect(before.integrity).toBe("ok");
  for (const path of finished) expect(before.runs).toContain(path);
  const expected = unownedDirs(dir);
  const doctor = (await rig(["doctor", "--json"], { cwd: dir })).json();
  const orphans = doctor.checks.find((c: { name: string }) => c.name === "orphans");
  // A creating/removing record whose rig was killed is interrupted: gc finishes it.
  const interrupted = state(dir).workspaces.filter((w) => w.status !== "ready").map((w) => w.name);
  expect(orphans.ok).toBe(expected.length === 0 && interrupted.length === 0);
  const listed = (await rig(["ls", "--json"], { cwd: dir })).json().workspaces;
  for (const name of interrupted) expect(listed.find((w: { name: string }) => w.name === name).status).toBe("interrupted");
  const dry = await rig(["gc", "--dry-run", "--json"], { cwd: dir });
  expect(dry.exitCode).toBe(0);
  expect(dry.json().orphans.map((o: { id: string }) => o.id).sort()).toEqual(expected.sort());
  expect((await rig(["gc", "--yes", "--json"], { cwd: dir })).exitCode).toBe(0);
  expect(unownedDirs(dir)).toEqual([]);
  const after = state(dir);
  // gc finished every interrupted create and remove: what is left is ready, with its directory.
  for (const w of after.workspaces) {
    expect(w.status).toBe("ready");
    expect(existsSync((JSON.parse(w.ctx) as { dir: string }).dir)).toBe(true);
  }
  for (const name of interrupted) expect(after.workspaces.some((w) => w.name === name)).toBe(false);
  const cleanup = await rig(["rm", "--all", "--yes"], { cwd: dir });
  expect(cleanup.exitCode).toBe(0);
  expect(unownedDirs(dir)).toEqual([]);
}

function killedAt(point: string, args: string[], dir: string) {
  const r = Bun.spawnSync([RIG, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1", RIGKIT_HOME: homeOf(dir), RIGKIT_FAULT: point }, stdout: "pipe", stderr: "pipe" });
  expect(r.signalCode).toBe("SIGKILL");
}

describe("kill -9 at every boundary", () => {
  const cases: [string, string[], boolean, string[]][] = [
    // point, command, apply first, tasks that must survive
    ["apply:task-started", ["apply"], false, []],
    ["apply:task-recorded", ["apply"], false, ["one"]],
    ["create:intent-recorded", ["create", "w1"], true, ["one", "base"]],
    ["create:resource-recorded", ["create", "w1"], true, ["one", "base"]],
    ["create:hook-returned", ["create", "w1"], true, ["one", "base"]],
    ["create:ready", ["create", "w1"], true, ["one", "base"]],
    ["rm:removing-recorded", ["rm", "w1", "--yes"], true, ["one", "base"]],
    ["rm:hook-returned", ["rm", "w1", "--yes"], true, ["one", "base"]],
  ];
  for (const [point, args, prepare, finished] of cases) {
    test(point, async () => {
      const dir = project({ "rigkit.config.ts": CONFIG });
      if (prepare) expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
      if (args[0] === "rm") expect((await rig(["create", "w1"], { cwd: dir })).exitCode).toBe(0);
      killedAt(point, args, dir);
      await checkInvariants(dir, finished);
    }, 30_000);
  }
});

test("kills at random moments of create and rm keep the same invariants", async () => {
  const dir = project({ "rigkit.config.ts": CONFIG });
  expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
  const rounds = Number(process.env.RIGKIT_CRASH_ROUNDS ?? 100);
  for (let i = 0; i < rounds; i++) {
    const args = i % 3 === 2 ? ["rm", "--all", "--yes"] : ["create", `r${i}`];
    const proc = Bun.spawn([RIG, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1", RIGKIT_HOME: homeOf(dir) }, stdout: "ignore", stderr: "ignore" });
    await Bun.sleep(Math.floor(Math.random() * 250));
    proc.kill("SIGKILL");
    await proc.exited;
    expect((await rig(["ls", "--json"], { cwd: dir })).exitCode).toBe(0);
    expect(state(dir).integrity).toBe("ok");
    expect(state(dir).runs).toEqual(expect.arrayContaining(["one", "base"]));
    const expected = unownedDirs(dir);
    const dry = (await rig(["gc", "--dry-run", "--json"], { cwd: dir })).json();
    expect(dry.orphans.map((o: { id: string }) => o.id).sort()).toEqual(expected.sort());
    expect((await rig(["gc", "--yes"], { cwd: dir })).exitCode).toBe(0);
    expect(unownedDirs(dir)).toEqual([]);
  }
  expect((await rig(["rm", "--all", "--yes"], { cwd: dir })).exitCode).toBe(0);
}, 300_000);
