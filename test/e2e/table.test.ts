/** The command table's two drift bugs, through the real bin/rig. */
import { expect, test } from "bun:test";
import { project, rig } from "../helpers.ts";
import { APP_CONFIG } from "./fixtures.ts";

test("an option before the command word: rig --concurrency 4 create ws1 creates ws1", async () => {
  const dir = project({ "rigkit.config.ts": APP_CONFIG });
  const created = await rig(["--concurrency", "4", "create", "ws1", "--json"], { cwd: dir });
  expect(created.exitCode).toBe(0);
  expect(created.json().workspaces.map((w: { name: string }) => w.name)).toEqual(["ws1"]);
  // Through commander too (a flag the fast lane leaves to it), and a bad value is still its own error.
  expect((await rig(["--json", "--concurrency=2", "create", "ws2", "--from", "ws1"], { cwd: dir })).exitCode).toBe(0);
  const bad = await rig(["--concurrency", "x", "create", "ws3", "--json"], { cwd: dir });
  expect([bad.exitCode, bad.error().code, bad.error().message]).toEqual([2, "USAGE", '--concurrency: "x" is not a whole number of at least 1']);
  expect((await rig(["-n", "1", "log", "--json"], { cwd: dir })).json().entries).toHaveLength(1);
});

test("an operation input named lockTimeout cannot take over --lock-timeout (nor one named chdir --chdir)", async () => {
  const dir = project({
    "rigkit.config.ts": `
import { workflow, z } from "rigkit";
export default workflow("w")
  .operation("wait", { input: z.object({ lockTimeout: z.string().optional() }), run: async ({ input }) => input })
  .operation("go", { input: z.object({ chdir: z.string().optional() }), run: async ({ input }) => input })
  .operation("ok", { input: z.object({ timeout: z.string().optional() }), run: async ({ input }) => input });
`,
  });
  for (const [op, flag] of [["wait", "--lock-timeout"], ["go", "--chdir"]]) {
    const r = await rig([op as string, "--json", flag as string, "."], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.error()).toMatchObject({ code: "CONFIG_ERROR", message: expect.stringContaining(`would shadow the global ${flag} flag`) });
  }
  // The global keeps its meaning for an operation whose input does not shadow it.
  const ok = await rig(["ok", "--lock-timeout", "0", "--timeout", "3s", "--json"], { cwd: dir });
  expect([ok.exitCode, ok.json()]).toEqual([0, { timeout: "3s" }]);
});
