/**
 * Time and concurrency (README "The config" and "Scripting"): task/hook/operation `timeout`, `retries` with
 * backoff, unknown task options, `--concurrency` and `parallel(…, { concurrency })`.
 * Counted in files and proven by order of events, never by elapsed time.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { project, rig } from "../helpers.ts";

describe("timeout", () => {
  test("a task past its timeout is stopped (its process tree too), fails with TIMEOUT, is recorded and reruns next time", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow, local } from "rigkit";
export default workflow("t")
  .addProvider("local", local())
  .task("slow", { timeout: "1s" }, async ({ providers }) => {
    await providers.local.exec(["sh", "-c", "setsid sh -c 'echo $$ > grandchild.pid; exec sleep 300' & sleep 300"]);
  });`,
    });
    const result = await rig(["apply", "--json"], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    const error = result.error() as { code: string; message: string; task?: string };
    expect(error.code).toBe("TIMEOUT");
    expect(error.message).toContain("t/slow timed out after 1.0s");
    const pid = Number(readFileSync(join(dir, "grandchild.pid"), "utf8"));
    expect(alive(pid)).toBe(false);
    const log = await rig(["log", "--json"], { cwd: dir });
    expect(log.stdout).toContain("failed");
    const plan = await rig(["plan", "--json"], { cwd: dir });
    expect(plan.json().nodes[0].status).toBe("pending");
  }, 30_000);

  test("a task that ignores the signal is not waited for past the grace period", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("t").task("stuck", { timeout: 300 }, async () => { await new Promise(() => {}); });`,
    });
    const result = await rig(["apply", "--json"], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.error().code).toBe("TIMEOUT");
  }, 30_000);

  test("workspace hooks and operations accept timeout", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("w")
  .task("t", async () => {})
  .workspace({ timeout: "500ms", create: async ({ workspace }) => { if (workspace.name === "slow") await new Promise(() => {}); return {}; } })
  .workspaceOperation("wait", { timeout: "500ms", run: async () => { await new Promise(() => {}); } });`,
    });
    const slow = await rig(["create", "slow", "--json"], { cwd: dir });
    expect(slow.exitCode).toBe(1);
    expect(slow.error().code).toBe("TIMEOUT");
    const ls = await rig(["ls", "--json"], { cwd: dir });
    expect(ls.json().workspaces).toEqual([]);
    expect((await rig(["create", "ok"], { cwd: dir })).exitCode).toBe(0);
    const op = await rig(["ok/wait", "--json"], { cwd: dir });
    expect(op.exitCode).toBe(1);
    expect(op.error().code).toBe("TIMEOUT");
  }, 30_000);
});

describe("retries", () => {
  test("a failing task runs again (1 s, 2 s backoff) and the timeline shows attempt 2/3", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
import { appendFileSync, readFileSync } from "node:fs";
export default workflow("r").task("flaky", { retries: 2 }, async () => {
  appendFileSync("attempts", "x");
  if (readFileSync("attempts", "utf8").length < 3) throw new Error("not yet");
  return { ctx: { ok: true } };
});`,
    });
    const result = await rig(["apply"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(dir, "attempts"), "utf8")).toBe("xxx");
    expect(result.stderr).toContain("attempt 2/3");
    expect(result.stderr).toContain("attempt 3/3");
  }, 30_000);

  test("retries run out: the task fails after its attempts", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
import { appendFileSync } from "node:fs";
export default workflow("r").task("broken", { retries: 1 }, async () => { appendFileSync("attempts", "x"); throw new Error("always"); });`,
    });
    const result = await rig(["apply", "--json"], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(readFileSync(join(dir, "attempts"), "utf8")).toBe("xx");
    expect(result.error().code).toBe("TASK_FAILED");
  }, 30_000);
});

describe("task options", () => {
  for (const [options, named] of [
    [`{ timout: "1s" }`, "timout"],
    [`{ retries: -1 }`, "retries"],
    [`{ timeout: "soon" }`, "timeout"],
  ] as [string, string][]) {
    test(`${options} is a config error naming ${named}`, async () => {
      const dir = project({
        "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("o").task("t", ${options}, async () => {});`,
      });
      const result = await rig(["plan", "--json"], { cwd: dir });
      expect(result.exitCode).toBe(2);
      expect(result.error().code).toBe("CONFIG_ERROR");
      expect(result.error().message).toContain(named);
    });
  }
});

describe("concurrency", () => {
  /** Four branches that each note start and end; the notes show how many overlapped. */
  const config = (parallelOptions = "") => `import { workflow, sequence } from "rigkit";
import { appendFileSync } from "node:fs";
const branch = (name) => sequence(name).task("t", async () => {
  appendFileSync("events", "+" + name + "\\n");
  await Bun.sleep(300);
  appendFileSync("events", "-" + name + "\\n");
});
export default workflow("c").parallel({ a: branch("a"), b: branch("b"), c: branch("c"), d: branch("d") }${parallelOptions});`;

  function maxOverlap(dir: string): number {
    let now = 0;
    let max = 0;
    for (const line of readFileSync(join(dir, "events"), "utf8").trim().split("\n")) {
      now += line.startsWith("+") ? 1 : -1;
      max = Math.max(max, now);
    }
    return max;
  }

  test("--concurrency 1 runs one task at a time and shows the others waiting", async () => {
    const dir = project({ "rigkit.config.ts": config() });
    const result = await rig(["apply", "--concurrency", "1"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(maxOverlap(dir)).toBe(1);
    expect(result.stderr).toContain("waiting ");
  }, 30_000);

  test("--concurrency 4 lets them overlap", async () => {
    const dir = project({ "rigkit.config.ts": config() });
    expect((await rig(["apply", "--concurrency", "4"], { cwd: dir })).exitCode).toBe(0);
    expect(maxOverlap(dir)).toBeGreaterThan(1);
  }, 30_000);

  test("parallel(…, { concurrency: 2 }) runs at most two branches at once", async () => {
    const dir = project({ "rigkit.config.ts": config(", { concurrency: 2 }") });
    expect((await rig(["apply", "--concurrency", "8"], { cwd: dir })).exitCode).toBe(0);
    expect(maxOverlap(dir)).toBe(2);
  }, 30_000);

  test("--concurrency 0 is a usage error", async () => {
    const dir = project({ "rigkit.config.ts": config() });
    const result = await rig(["apply", "--concurrency", "0"], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("--concurrency");
  });
});

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
