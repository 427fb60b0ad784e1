/**
 * Upstream parity: `rig doctor --cli`, `rig ls snapshots`, the JSON keys upstream
 * documents (added beside ours), and upstream's `defineProvider(id, config, plugin)`.
 */
import { describe, expect, test } from "bun:test";
import { project, rig, tempDir } from "../helpers.ts";
import { APP_CONFIG } from "./fixtures.ts";

const UPSTREAM_PROVIDER = `import { defineProvider, workflow, z } from "rigkit";

const plugin = {
  providerId: "acme",
  async createProvider({ provider, storage }) {
    return {
      providerId: "acme",
      runtime(context) {
        return {
          greet: (who) => { context.metadata({ greeted: who }); storage.set("last", who); return \`\${provider.config.greeting} \${who}\`; },
          hasLocal: () => typeof context.local.exec === "function",
          interact: () => context.interaction.present({ title: "x" }),
        };
      },
      validateArtifact: () => true,
    };
  },
};

// Upstream's form with a config: a configured provider.
const acme = defineProvider("acme", { greeting: "hello" }, plugin);
// With a schema: a factory, as ours.
const acmeFactory = defineProvider("acme", z.object({ greeting: z.string() }), plugin);

export default workflow("up")
  .addProvider("acme", acme)
  .addProvider("acme2", acmeFactory({ greeting: "hi" }))
  .task("t", async ({ providers }) => ({ ctx: { a: providers.acme.greet("ada"), b: providers.acme2.greet("bo"), local: providers.acme.hasLocal() } }))
  .operation("interact", { run: async ({ providers }) => providers.acme.interact() });
`;

describe("upstream parity", () => {
  test("rig doctor --cli needs no project", async () => {
    const r = await rig(["doctor", "--cli", "--json"], { cwd: tempDir() });
    expect(r.exitCode).toBe(0);
    const names = r.json().checks.map((c: any) => c.name);
    expect(names).toEqual(expect.arrayContaining(["runtime", "cli", "git", "tar"]));
    expect(r.json().ok).toBe(true);
  });

  test("plan cachedNodeCount, ls workflows, projects projectDir/configPath, ls snapshots", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["create", "w1"], { cwd: dir })).exitCode).toBe(0);
    const plan = (await rig(["plan", "--json"], { cwd: dir })).json();
    expect(plan.cachedNodeCount).toBe(plan.cachedCount);
    expect(plan.cachedNodeCount).toBe(2);
    const ls = (await rig(["ls", "--json"], { cwd: dir })).json();
    expect(ls.workspaces[0].name).toBe("w1");
    expect(ls.workflows).toEqual([{ name: "app", workspaces: ["w1"], appliedAt: expect.any(String) }]);
    const projects = (await rig(["projects", "--json"], { cwd: dir })).json().projects;
    expect(projects[0]).toMatchObject({ root: dir, projectDir: dir, configPath: `${dir}/rigkit.config.ts` });
    const snapshots = (await rig(["ls", "snapshots", "--json"], { cwd: dir })).json().snapshots;
    expect(snapshots.map((s: any) => [s.workflow, s.path])).toEqual([["app", "base"]]);
    expect(snapshots[0].artifacts[0]).toMatchObject({ provider: "local", kind: "dir" });
    expect((await rig(["ls", "nonsense"], { cwd: dir })).exitCode).toBe(2);
  });

  test("defineProvider(id, config, plugin): upstream's form runs; what rig lacks is a clear error", async () => {
    const dir = project({ "rigkit.config.ts": UPSTREAM_PROVIDER });
    const applied = await rig(["apply", "--json"], { cwd: dir });
    expect(applied.exitCode).toBe(0);
    expect(applied.json().ctx).toEqual({ a: "hello ada", b: "hi bo", local: true });
    const interact = await rig(["interact", "--json"], { cwd: dir });
    expect(interact.exitCode).toBe(1);
    expect(interact.error().message).toContain("context.interaction (upstream rigkit) is not supported");
  });
});
