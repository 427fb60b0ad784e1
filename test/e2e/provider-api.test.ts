/** The provider API through the example provider of docs/providers.md, used for real. */
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, project, rig, tempDir, homeOf } from "../helpers.ts";

test("storage, hostStorage, checks, validateArtifact and labels of a custom provider", async () => {
  const root = tempDir();
  const dir = project({
    "rigkit.config.ts": `import { workflow } from "rigkit";
import { scratch } from ${JSON.stringify(join(REPO, "examples/providers/scratch.ts"))};
export default workflow("x")
  .addProvider("scratch", scratch({ root: ${JSON.stringify(root)} }))
  .task("dirs", async ({ providers }) => ({ ctx: { cache: providers.scratch.make("cache"), all: providers.scratch.made() } }))
  .operation("made", { run: async ({ providers }) => providers.scratch.made() });`,
  });
  const apply = await rig(["apply", "--json"], { cwd: dir });
  expect(apply.exitCode).toBe(0);
  const path = apply.json().ctx.cache.path;
  expect(apply.stderr).toContain(`dirs | made ${path}`);

  const db = new Database(join(dir, ".rigkit", "state.sqlite"), { readonly: true });
  const id = (db.query("SELECT value FROM meta WHERE key = 'project_id'").get() as { value: string }).value;
  expect(db.query("SELECT provider, key, value FROM provider_storage").all()).toEqual([{ provider: "scratch", key: "dir:cache", value: JSON.stringify(path) }]);
  db.close();
  expect(JSON.parse(readFileSync(join(path, ".rigkit-owner"), "utf8"))).toEqual({ project: id, workflow: "x" });
  const host = join(homeOf(dir), "host", "scratch.json");
  expect(JSON.parse(readFileSync(host, "utf8"))).toEqual({ made: 1 });
  expect(statSync(host).mode & 0o777).toBe(0o600);
  expect((await rig(["made", "--json"], { cwd: dir })).json()).toEqual([path]);

  rmSync(path, { recursive: true });
  expect((await rig(["plan", "--json"], { cwd: dir })).json().nodes[0].reason).toBe("artifact-missing");
  expect((await rig(["apply", "--json"], { cwd: dir })).json().ran).toEqual(["dirs"]);
  expect(existsSync(path)).toBe(true);
  expect(JSON.parse(readFileSync(host, "utf8"))).toEqual({ made: 2 });

  rmSync(root, { recursive: true });
  const doctor = (await rig(["doctor", "--json"], { cwd: dir })).json();
  const missing = `${root} does not exist: create it or change scratch({ root })`;
  expect(doctor.checks.find((c: { name: string }) => c.name === "provider scratch: root")).toEqual({ name: "provider scratch: root", ok: false, message: missing });
  expect((await rig(["plan"], { cwd: dir })).stderr).toContain(`warning provider scratch: root: ${missing}`);
});

test("a config that fails the provider's configSchema is a config error", async () => {
  const dir = project({
    "rigkit.config.ts": `import { workflow } from "rigkit";
import { scratch } from ${JSON.stringify(join(REPO, "examples/providers/scratch.ts"))};
export default workflow("x").addProvider("scratch", scratch({ root: "" })).task("t", async ({ providers }) => { providers.scratch.made(); });`,
  });
  const r = await rig(["apply", "--json"], { cwd: dir });
  expect(r.exitCode).toBe(2);
  expect(r.error()).toMatchObject({ code: "CONFIG_ERROR", message: expect.stringMatching(/^provider scratch: invalid config: root: Too small/) });
});

test("the example provider follows the resource/marker/status contract: claim, status, rm --force, gc", async () => {
  const root = tempDir();
  const config = (name: string) => `import { workflow } from "rigkit";
import { scratch } from ${JSON.stringify(join(REPO, "examples/providers/scratch.ts"))};
export default workflow(${JSON.stringify(name)})
  .addProvider("scratch", scratch({ root: ${JSON.stringify(root)} }))
  .task("t", async () => ({ ctx: {} }))
  .workspace({
    create: async ({ providers }) => providers.scratch.createWorkspace(),
    remove: async ({ workspace, providers }) => providers.scratch.removeWorkspace(workspace.ctx.dir),
  });`;
  const dir = project({ "rigkit.config.ts": config("x") });
  expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
  const made = (await rig(["create", "a", "b", "c", "--json"], { cwd: dir })).json().workspaces;
  const path = (name: string) => made.find((w: { name: string }) => w.name === name).ctx.dir as string;
  const db = new Database(join(dir, ".rigkit", "state.sqlite"), { readonly: true });
  expect(db.query("SELECT workspace, provider, kind, id FROM workspace_resources ORDER BY workspace").all()).toEqual(
    ["a", "b", "c"].map((w) => ({ workspace: w, provider: "scratch", kind: "dir", id: path(w) })),
  );
  db.close();
  rmSync(path("b"), { recursive: true });
  const ls = (await rig(["ls", "--json"], { cwd: dir })).json().workspaces;
  expect(ls.map((w: { status: string }) => w.status)).toEqual(["ready", "missing", "ready"]);
  // The workflow is renamed: rm --force destroys what scratch recorded for "a".
  writeFileSync(join(dir, "rigkit.config.ts"), config("y"));
  expect((await rig(["rm", "a", "--force", "--yes"], { cwd: dir })).exitCode).toBe(0);
  expect(existsSync(path("a"))).toBe(false);
  // The state file is lost: gc at the same path finds "c" by its marker.
  for (const suffix of ["", "-wal", "-shm"]) rmSync(join(dir, ".rigkit", `state.sqlite${suffix}`), { force: true });
  const gc = await rig(["gc", "--yes", "--json"], { cwd: dir });
  expect(gc.json().orphans).toEqual([{ provider: "scratch", id: path("c") }]);
  expect(existsSync(path("c"))).toBe(false);
});
