/** The provider API through the example provider of docs/providers.md, used for real. */
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO, project, rig, tempDir } from "../helpers.ts";

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
  const host = join(dir, ".rigkit-home", "host", "scratch.json");
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
