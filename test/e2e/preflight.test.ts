/**
 * Preflight (README "Preflight"): with the Docker engine unreachable, apply and create fail at once
 * with PROVIDER_UNAVAILABLE naming the provider, before any task or hook has run.
 */
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { project, rig } from "../helpers.ts";

const config = (taskProvider: "docker" | "local") => `import { workflow, local, docker } from "rigkit";
import { writeFileSync } from "node:fs";
export default workflow("p")
  .addProvider("local", local())
  .addProvider("engine", docker({ host: "unix:///nonexistent.sock" }))
  .task("first", async () => { writeFileSync("side-effect", "ran"); })
  .task("second", async ({ providers }) => { ${taskProvider === "docker" ? "await providers.engine.exec" : "void providers.local"}; })
  .workspace({ create: async () => { writeFileSync("hook-ran", "yes"); return {}; } });`;

test("apply: an unreachable Docker engine fails before the first task runs", async () => {
  const dir = project({ "rigkit.config.ts": config("docker") });
  const r = await rig(["apply", "--json"], { cwd: dir });
  expect(r.exitCode).toBe(1);
  expect(r.stdout).toBe("");
  const error = r.error() as { code: string; message: string; provider?: string };
  expect(error.code).toBe("PROVIDER_UNAVAILABLE");
  expect(error.provider).toBe("engine");
  expect(error.message).toContain("Provider engine");
  expect(existsSync(join(dir, "side-effect"))).toBe(false);
  // plan shows it as a warning and still works.
  const plan = await rig(["plan"], { cwd: dir });
  expect(plan.exitCode).toBe(0);
  expect(plan.stderr).toContain("warning provider engine");
}, 60_000);

test("create: the workspace hooks' providers are checked too, before any side effect", async () => {
  const dir = project({ "rigkit.config.ts": config("local") });
  const r = await rig(["create", "ws1", "--json"], { cwd: dir });
  expect(r.exitCode).toBe(1);
  expect(r.error().code).toBe("PROVIDER_UNAVAILABLE");
  expect(existsSync(join(dir, "side-effect"))).toBe(false);
  expect(existsSync(join(dir, "hook-ran"))).toBe(false);
  expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces).toEqual([]);
}, 60_000);
