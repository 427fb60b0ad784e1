/** create --name, ls --workflow, providers <id> clear, RIGKIT_HOST_STORAGE_DIR, RIGKIT_NO_CONSOLE_INTERCEPT. */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { project, rig, tempDir } from "../helpers.ts";

const TWO = `import { workflow, defineProvider } from "rigkit";
const keeper = defineProvider({
  id: "keeper",
  create: ({ storage, hostStorage }) => ({
    runtime: () => ({
      remember: (v: string) => {
        storage.set("k", v);
        hostStorage.set("k", v);
      },
      recall: () => ({ project: storage.get("k") ?? null, host: hostStorage.get("k") ?? null }),
    }),
  }),
});
const make = (name: string) =>
  workflow(name)
    .addProvider("keeper", keeper())
    .task("t", async () => {
      console.log("console from " + name);
    })
    .workspace({ create: async () => ({}) })
    .operation(\`remember-\${name}\`, { run: async ({ providers }) => providers.keeper.remember("v-" + name) })
    .operation(\`recall-\${name}\`, { run: async ({ providers }) => providers.keeper.recall() });
export const a = make("a");
export const b = make("b");
`;

describe("CLI additions", () => {
  test("create --name, and ls --workflow for workspaces and config", async () => {
    const dir = project({ "rigkit.config.ts": TWO });
    expect((await rig(["create", "--workflow", "a", "--name", "one"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["create", "--workflow", "b", "two"], { cwd: dir })).exitCode).toBe(0);
    const ls = await rig(["ls", "--workflow", "b", "--json"], { cwd: dir });
    expect(ls.json().workspaces.map((w: { name: string }) => w.name)).toEqual(["two"]);
    // The commander path (a flag after the positional) agrees with the fast lane.
    const config = await rig(["ls", "config", "--workflow", "a", "--json"], { cwd: dir });
    expect(config.json().workflows.map((w: { name: string }) => w.name)).toEqual(["a"]);
    const unknown = await rig(["ls", "--workflow", "c"], { cwd: dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('Unknown workflow "c"');
  });

  test("providers <id> clear forgets project and host storage; RIGKIT_HOST_STORAGE_DIR moves host storage", async () => {
    const dir = project({ "rigkit.config.ts": TWO });
    const hostDir = join(tempDir(), "host-storage");
    const env = { RIGKIT_HOST_STORAGE_DIR: hostDir };
    expect((await rig(["remember-a"], { cwd: dir, env })).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(hostDir, "keeper.json"), "utf8"))).toEqual({ k: "v-a" });
    expect((await rig(["recall-a", "--json"], { cwd: dir, env })).json()).toEqual({ project: "v-a", host: "v-a" });

    const clear = await rig(["providers", "keeper", "clear", "--json"], { cwd: dir, env });
    expect(clear.exitCode).toBe(0);
    expect(clear.json()).toEqual({ provider: "keeper", projectEntries: 1, hostFile: join(hostDir, "keeper.json") });
    expect(existsSync(join(hostDir, "keeper.json"))).toBe(false);
    expect((await rig(["recall-a", "--json"], { cwd: dir, env })).json()).toEqual({ project: null, host: null });
    const again = await rig(["providers", "keeper", "clear"], { cwd: dir, env });
    expect(again.stdout).toContain("Provider keeper had nothing stored.");
  });

  test("RIGKIT_NO_CONSOLE_INTERCEPT=1 lets task console output through untouched", async () => {
    const dir = project({ "rigkit.config.ts": TWO });
    const captured = await rig(["apply", "--workflow", "a"], { cwd: dir });
    expect(captured.stderr).toContain("t | console from a");
    const direct = await rig(["apply", "--workflow", "b"], { cwd: dir, env: { RIGKIT_NO_CONSOLE_INTERCEPT: "1" } });
    expect(`${direct.stdout}${direct.stderr}`).toMatch(/^console from b$/m);
  });
});
