/** `.global()` fragments: one cached base shared by every project of a user (a shared RIGKIT_HOME). */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RIG, project, rig, tempDir } from "../helpers.ts";

/** A shared fragment module plus two projects importing it, all under one RIGKIT_HOME. */
function setup(options: { sleep?: number; level?: string } = {}) {
  const shared = tempDir("rigkit-shared-");
  const home = join(shared, "home");
  const calls = join(shared, "calls.log");
  writeFileSync(
    join(shared, "toolchain.ts"),
    `import { sequence, defineProvider, local } from "rigkit";
import { appendFileSync } from "node:fs";
export const tuning = defineProvider<{ level: string }, { level: string }>({ id: "tuning", create: ({ config }) => ({ runtime: () => ({ level: config.level }) }) });
export const toolchain = sequence("toolchain")
  .addProvider("local", local())
  .task("compilers", async ({ providers }) => {
    appendFileSync(${JSON.stringify(calls)}, "compilers\\n");
    await new Promise((r) => setTimeout(r, ${options.sleep ?? 0}));
    const dir = providers.local.prepareDir("toolchain");
    return { ctx: { toolchain: providers.local.dirRef(dir) } };
  })
  .add(sequence("per-project").local().task("notes", async ({ step }) => { appendFileSync(${JSON.stringify(calls)}, "notes\\n"); }))
  .global();
`,
  );
  const config = (name: string) => `import { workflow } from "rigkit";
import { toolchain, tuning } from ${JSON.stringify(join(shared, "toolchain.ts"))};
export default workflow("${name}")
  .addProvider("tuning", tuning({ level: process.env.TUNING ?? ${JSON.stringify(options.level ?? "normal")} }))
  .add(toolchain)
  .task("own", async ({ step }) => ({ ctx: { ...step.ctx, project: "${name}" } }));
`;
  const a = project({ "rigkit.config.ts": config("a") });
  const b = project({ "rigkit.config.ts": config("b") });
  const env = { RIGKIT_HOME: home };
  const count = (what: string) => (existsSync(calls) ? readFileSync(calls, "utf8").split("\n").filter((l) => l === what).length : 0);
  return { a, b, env, home, count };
}

describe("global fragments", () => {
  test("the second project finds the fragment cached and runs only its own tasks", async () => {
    const { a, b, env, home, count } = setup();
    const first = await rig(["apply", "--json"], { cwd: a, env });
    expect(first.json().ran).toEqual(["toolchain/compilers", "toolchain/per-project/notes", "own"]);
    // Prepared directories of a fragment live with it, not in the project.
    const dir = first.json().ctx.toolchain.path;
    expect(dir.startsWith(join(home, "fragments"))).toBe(true);

    const plan = (await rig(["plan", "--json"], { cwd: b, env })).json();
    expect(plan.nodes.map((n: { path: string; status: string; scope: string }) => [n.path, n.status, n.scope])).toEqual([
      ["toolchain/compilers", "cached", "global"],
      ["toolchain/per-project/notes", "pending", "local"],
      ["own", "pending", "local"],
    ]);
    const second = (await rig(["apply", "--json"], { cwd: b, env })).json();
    expect(second.ran).toEqual(["toolchain/per-project/notes", "own"]);
    expect(second.cached).toEqual(["toolchain/compilers"]);
    expect(second.ctx.toolchain.path).toBe(dir);
    expect(count("compilers")).toBe(1);
    expect(count("notes")).toBe(2); // .local() inside the fragment: each project's own
    expect(readdirSync(join(home, "fragments")).filter((f) => f !== "layout.json")).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(home, "layout.json"), "utf8"))).toEqual({ version: 1 });
  }, 30_000);

  test("a provider config change reruns the fragment's tasks without moving the fragment", async () => {
    const { a, b, env, home, count } = setup();
    await rig(["apply"], { cwd: a, env });
    const changed = await rig(["plan", "--json"], { cwd: b, env: { ...env, TUNING: "high" } });
    expect(changed.json().nodes[0]).toMatchObject({ path: "toolchain/compilers", status: "pending", reason: "provider-changed", scope: "global" });
    await rig(["apply"], { cwd: b, env: { ...env, TUNING: "high" } });
    expect(count("compilers")).toBe(2);
    expect(readdirSync(join(home, "fragments"))).toHaveLength(1);
  }, 30_000);

  test("two projects applying at once run the fragment once; the other waits, then reuses it", async () => {
    const { a, b, env, count } = setup({ sleep: 1200 });
    const spawn = (cwd: string) =>
      Bun.spawn([RIG, "apply", "--json"], { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const first = spawn(a);
    await Bun.sleep(300);
    const second = spawn(b);
    const [c1, c2] = await Promise.all([first.exited, second.exited]);
    expect([c1, c2]).toEqual([0, 0]);
    const [out1, out2, err2] = (await Promise.all([new Response(first.stdout).json(), new Response(second.stdout).json(), new Response(second.stderr).text()])) as [
      { ran: string[] },
      { cached: string[] },
      string,
    ];
    expect(count("compilers")).toBe(1);
    expect(out1.ran).toContain("toolchain/compilers");
    expect(out2.cached).toContain("toolchain/compilers");
    expect(err2).toMatch(/Waiting for `rig apply \(shared fragment \w+\)` \(pid \d+, since .*\) to finish with shared fragment/);
  }, 30_000);

  test("cache ls shows scopes; invalidate and clear --global reach the shared entries", async () => {
    const { a, b, env } = setup();
    await rig(["apply"], { cwd: a, env });
    await rig(["apply"], { cwd: b, env });
    const ls = (await rig(["cache", "b", "ls", "--json"], { cwd: b, env })).json();
    expect(ls.entries.map((e: { path: string; scope: string }) => [e.path, e.scope]).sort()).toEqual([
      ["own", "local"],
      ["toolchain/compilers", "global"],
      ["toolchain/per-project/notes", "local"],
    ]);

    expect((await rig(["cache", "b", "invalidate", "compilers"], { cwd: b, env })).exitCode).toBe(0);
    expect((await rig(["plan", "--json"], { cwd: a, env })).json().nodes[0]).toMatchObject({ status: "pending", reason: "invalidated" });
    await rig(["apply"], { cwd: a, env });

    const local = (await rig(["cache", "b", "clear", "--local", "--json"], { cwd: b, env })).json();
    expect(local.cleared).toBe(2);
    expect((await rig(["plan", "--json"], { cwd: b, env })).json().nodes[0].status).toBe("cached");
    expect((await rig(["cache", "b", "clear", "--global", "--json"], { cwd: b, env })).json().cleared).toBeGreaterThan(0);
    expect((await rig(["plan", "--json"], { cwd: a, env })).json().nodes[0]).toMatchObject({ status: "pending", reason: "no-previous-run" });
  }, 30_000);

  test("doctor shows RIGKIT_HOME with its size", async () => {
    const { a, env, home } = setup();
    await rig(["apply"], { cwd: a, env });
    const doctor = (await rig(["doctor", "--json"], { cwd: a, env })).json();
    expect(doctor.checks.find((c: { name: string }) => c.name === "rigkit home").message).toMatch(new RegExp(`^${home} \\(\\d+(\\.\\d)? (B|KB|MB), 1 shared fragment\\)$`));
  }, 30_000);
});
