/** Cache semantics of README "Plan reasons", against a real temp SQLite state file. */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { apply } from "../../src/engine/graph/apply.ts";
import { plan } from "../../src/engine/graph/plan.ts";
import type { Project } from "../../src/engine/project/project.ts";
import { defineProvider, env, local, sequence, workflow, z } from "../../src/index.ts";
import { Store } from "../../src/state/store.ts";
import { engineProject, reload, tempDir } from "../helpers.ts";

const wf = (p: Project, name?: string) => (name ? p.workflows.find((w) => w.name === name) : p.workflows[0])!;
const planOf = async (p: Project) => {
  const result = await plan(wf(p), p.stores, p.registry);
  return Object.fromEntries(result.nodes.map((n) => [n.path, n.status === "cached" ? "cached" : n.reason]));
};

describe("a linear workflow", () => {
  const calls: string[] = [];
  const a = async () => {
    calls.push("a");
    return { ctx: { a: 1 } };
  };
  const b1 = async ({ step }: { step: { ctx: { a: number } } }) => {
    calls.push("b");
    return { ctx: { ...step.ctx, b: 1 } };
  };
  const b2 = async ({ step }: { step: { ctx: { a: number } } }) => {
    calls.push("b");
    return { ctx: { ...step.ctx, b: 2 } };
  };
  const c = async ({ step }: { step: { ctx: object } }) => {
    calls.push("c");
    return { ctx: { ...step.ctx, c: true } };
  };
  const build = (b: typeof b1) => workflow("w").task("a", a).task("b", b).task("c", c);

  test("first apply runs everything, the second nothing", async () => {
    const p = engineProject([build(b1)]);
    expect(await planOf(p)).toEqual({ a: "no-previous-run", b: "no-previous-run", c: "no-previous-run" });
    calls.length = 0;
    const first = await apply(wf(p), p);
    expect(first.ran).toEqual(["a", "b", "c"]);
    expect(first.ctx).toEqual({ a: 1, b: 1, c: true });
    expect(calls).toEqual(["a", "b", "c"]);

    calls.length = 0;
    const second = await apply(wf(p), p);
    expect(second.ran).toEqual([]);
    expect(second.cached).toEqual(["a", "b", "c"]);
    expect(second.ctx).toEqual({ a: 1, b: 1, c: true });
    expect(calls).toEqual([]);
    expect(await planOf(p)).toEqual({ a: "cached", b: "cached", c: "cached" });
  });

  test("editing one task reruns it and what follows, never what precedes", async () => {
    const p = engineProject([build(b1)]);
    await apply(wf(p), p);
    const edited = reload(p, [build(b2)]);
    expect(await planOf(edited)).toEqual({ a: "cached", b: "task-changed", c: "upstream-changed" });
    calls.length = 0;
    const result = await apply(wf(edited), edited);
    expect(result.ran).toEqual(["b", "c"]);
    expect(result.cached).toEqual(["a"]);
    expect(calls).toEqual(["b", "c"]);
    expect(result.ctx).toEqual({ a: 1, b: 2, c: true });
  });

  test("switching back to an earlier definition reuses its stored run", async () => {
    const p = engineProject([build(b1)]);
    await apply(wf(p), p);
    await apply(wf(reload(p, [build(b2)])), reload(p, [build(b2)]));
    const back = reload(p, [build(b1)]);
    expect(await planOf(back)).toEqual({ a: "cached", b: "cached", c: "cached" });
  });
});

describe("parallel branches", () => {
  const seen: string[] = [];
  const db1 = async ({ step }: { step: { ctx: object } }) => {
    seen.push("db");
    return { ctx: { ...step.ctx, db: "v1" } };
  };
  const db2 = async ({ step }: { step: { ctx: object } }) => {
    seen.push("db");
    return { ctx: { ...step.ctx, db: "v2" } };
  };
  const build = (db: typeof db1) =>
    workflow("p")
      .task("base", async () => {
        seen.push("base");
        return { ctx: { base: true } };
      })
      .parallel({
        db: sequence("db").task("migrate", db),
        web: sequence("web").task("bundle", async ({ step }) => {
          seen.push("web");
          return { ctx: { ...step.ctx, web: "built" } };
        }),
      })
      .task("after", async ({ step }) => {
        seen.push("after");
        return { ctx: { ...step.ctx, done: true } };
      });

  test("join puts each branch's context under its name, on top of the incoming one", async () => {
    const p = engineProject([build(db1)]);
    const result = await apply(wf(p), p);
    expect(result.ctx).toEqual({
      base: true,
      db: { base: true, db: "v1" },
      web: { base: true, web: "built" },
      done: true,
    });
  });

  test("editing one branch reruns it and the join's downstream, not the sibling branch", async () => {
    const p = engineProject([build(db1)]);
    await apply(wf(p), p);
    const edited = reload(p, [build(db2)]);
    expect(await planOf(edited)).toEqual({
      base: "cached",
      "db/migrate": "task-changed",
      "web/bundle": "cached",
      after: "upstream-changed",
    });
    seen.length = 0;
    const result = await apply(wf(edited), edited);
    expect(seen).toEqual(["db", "after"]);
    expect(result.ran).toEqual(["db/migrate", "after"]);
  });

  test("branches run concurrently", async () => {
    // Each branch waits for the other to have started: this only finishes if both run at once.
    let startA!: () => void;
    let startB!: () => void;
    const aStarted = new Promise<void>((r) => (startA = r));
    const bStarted = new Promise<void>((r) => (startB = r));
    const timeout = (what: string) => new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} never started`)), 5000));
    const w = workflow("c").parallel({
      a: sequence("a").task("x", async () => {
        startA();
        await Promise.race([bStarted, timeout("b")]);
      }),
      b: sequence("b").task("y", async () => {
        startB();
        await Promise.race([aStarted, timeout("a")]);
      }),
    });
    const p = engineProject([w]);
    const result = await apply(wf(p), p);
    expect(result.ran).toEqual(["a/x", "b/y"]);
  });

  test("a branch named like an incoming key is a config error", async () => {
    const w = workflow("clash")
      .task("t", async () => ({ ctx: { db: 1 } }))
      .parallel({ db: sequence("db").task("x", async () => undefined) });
    const p = engineProject([w]);
    await expect(apply(wf(p), p)).rejects.toMatchObject({ code: "CONFIG_ERROR", message: expect.stringContaining('"db"') });
  });
});

describe("providers and config", () => {
  const probe = defineProvider<{ level: string; token?: unknown }, { level: string }>({
    id: "probe",
    create: ({ config }) => ({ runtime: () => ({ level: config.level }) }),
  });
  const build = (level: string, repo = ".") =>
    workflow("pc")
      .task("before", async () => ({ ctx: { n: 1 } }))
      .configure({ repo })
      .task("configured", async ({ step, config }) => ({ ctx: { ...step.ctx, repo: config.repo } }))
      .addProvider("probe", probe({ level }))
      .task("uses", async ({ step, providers }) => ({ ctx: { ...step.ctx, level: providers.probe.level } }));

  test("a provider config change reruns only tasks with it in scope", async () => {
    const p = engineProject([build("low")]);
    await apply(wf(p), p);
    const changed = reload(p, [build("high")]);
    expect(await planOf(changed)).toEqual({ before: "cached", configured: "cached", uses: "provider-changed" });
    expect((await apply(wf(changed), changed)).ctx).toEqual({ n: 1, repo: ".", level: "high" });
  });

  test("a .configure change reruns the tasks after it", async () => {
    const p = engineProject([build("low")]);
    await apply(wf(p), p);
    const changed = reload(p, [build("low", "src")]);
    expect(await planOf(changed)).toEqual({ before: "cached", configured: "config-changed", uses: "config-changed" });
  });

  test("secrets are fingerprinted by presence only and never stored", async () => {
    const secretValue = "s3cr3t-value-for-test";
    const withSecret = workflow("sec")
      .addProvider("probe", probe({ level: "x", token: env.secret("RIGKIT_TEST_TOKEN") }))
      .task("t", async ({ providers }) => {
        console.log(`token is ${process.env.RIGKIT_TEST_TOKEN}`);
        return { ctx: { level: providers.probe.level } };
      });
    process.env.RIGKIT_TEST_TOKEN = secretValue;
    try {
      const p = engineProject([withSecret]);
      await apply(wf(p), p);
      process.env.RIGKIT_TEST_TOKEN = "another-secret-value";
      expect(await planOf(reload(p, [withSecret]))).toEqual({ t: "cached" });
      delete process.env.RIGKIT_TEST_TOKEN;
      expect(await planOf(reload(p, [withSecret]))).toEqual({ t: "provider-changed" });
      p.store.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
      const bytes = readFileSync(p.store.path);
      expect(bytes.includes(Buffer.from(secretValue))).toBe(false);
      const run = p.store.latestRun("sec", "t")!;
      expect(run.log).toBe("token is [secret]");
    } finally {
      delete process.env.RIGKIT_TEST_TOKEN;
    }
  });
});

describe("task options", () => {
  test("a version bump reruns the task", async () => {
    const build = (version: string) => workflow("v").task("t", { version }, async () => ({ ctx: { ok: true } }));
    const p = engineProject([build("1")]);
    await apply(wf(p), p);
    expect(await planOf(reload(p, [build("1")]))).toEqual({ t: "cached" });
    expect(await planOf(reload(p, [build("2")]))).toEqual({ t: "task-changed" });
  });

  test("cacheTTL expiry reruns the task; changing the TTL alone does not", async () => {
    const build = (ttl: string | number) => workflow("ttl").task("t", { cacheTTL: ttl }, async () => ({ ctx: { at: Date.now() } }));
    const p = engineProject([build("1h")]);
    await apply(wf(p), p);
    expect(await planOf(reload(p, [build("2h")]))).toEqual({ t: "cached" });
    const short = reload(p, [build(30)]);
    await Bun.sleep(60);
    expect(await planOf(short)).toEqual({ t: "expired" });
    expect((await apply(wf(short), short)).ran).toEqual(["t"]);
    const always = reload(p, [build(0)]);
    expect(await planOf(always)).toEqual({ t: "expired" });
  });

  test("a fresh output failing its schema fails the task; a cached one that fails is rerun", async () => {
    const schema = z.object({ port: z.number() });
    const bad = workflow("o").task("t", { output: schema }, async () => ({ ctx: { port: "80" } }) as never);
    const p1 = engineProject([bad]);
    await expect(apply(wf(p1), p1)).rejects.toMatchObject({ code: "TASK_FAILED", message: expect.stringContaining("output schema") });

    const good = workflow("o").task("t", { output: schema }, async () => ({ ctx: { port: 80 } }));
    const p2 = engineProject([good]);
    await apply(wf(p2), p2);
    p2.store.db.run(`UPDATE task_runs SET output = '{"port":"eighty"}'`);
    expect(await planOf(p2)).toEqual({ t: "output-invalid" });
    expect((await apply(wf(p2), p2)).ran).toEqual(["t"]);
  });

  test("a non-JSON context is an error naming the task", async () => {
    const w = workflow("j").task("fn", async () => ({ ctx: { f: () => 1 } }) as never);
    const p = engineProject([w]);
    await expect(apply(wf(p), p)).rejects.toMatchObject({
      code: "TASK_FAILED",
      message: expect.stringMatching(/j\/fn.*ctx\.f is a function/),
    });
  });

  test("step.metadata and console output are stored with the run", async () => {
    const w = workflow("m").task("t", async ({ step }) => {
      step.metadata({ note: "hello" });
      console.log("from the task", 42);
      console.error("to stderr");
    });
    const p = engineProject([w]);
    await apply(wf(p), p);
    const run = p.store.latestRun("m", "t")!;
    expect(JSON.parse(run.metadata!)).toEqual({ note: "hello" });
    expect(run.log).toBe("from the task 42\nto stderr");
  });
});

describe("step.invalidate", () => {
  test("restarts evaluation from the invalidated task", async () => {
    const order: string[] = [];
    let checks = 0;
    const w = workflow("inv")
      .task("login", async () => {
        order.push("login");
        return { ctx: { token: order.length } };
      })
      .task("check", async ({ step }) => {
        order.push("check");
        checks++;
        if (checks === 1) step.invalidate("login");
      });
    const p = engineProject([w]);
    const result = await apply(wf(p), p);
    expect(order).toEqual(["login", "check", "login", "check"]);
    expect(result.ran).toEqual(["login", "check"]);
    expect(await planOf(p)).toEqual({ login: "cached", check: "cached" });
  });

  test("a task that invalidates on every pass is stopped", async () => {
    let runs = 0;
    const w = workflow("loop")
      .task("login", async () => {
        runs++;
      })
      .task("check", async ({ step }) => step.invalidate("login"));
    const p = engineProject([w]);
    await expect(apply(wf(p), p)).rejects.toMatchObject({ code: "TASK_FAILED", message: expect.stringContaining("on every pass") });
    expect(runs).toBe(3);
  });
});

describe("failures", () => {
  test("a failed task keeps earlier results and the next apply resumes at it", async () => {
    const ran: string[] = [];
    const build = (broken: boolean) =>
      workflow("f")
        .task("one", async () => {
          ran.push("one");
          return { ctx: { one: 1 } };
        })
        .task("two", broken ? async () => { throw new Error("boom"); } : async ({ step }) => ({ ctx: { ...step.ctx, two: 2 } }))
        .task("three", async ({ step }) => {
          ran.push("three");
          return { ctx: { ...step.ctx, three: 3 } };
        });
    const p = engineProject([build(true)]);
    await expect(apply(wf(p), p)).rejects.toMatchObject({ code: "TASK_FAILED", message: "Task f/two failed: boom" });
    expect(p.store.latestRun("f", "one")).not.toBeNull();
    const failed = p.store.db.query("SELECT status, error FROM task_runs WHERE path = 'two'").get() as { status: string; error: string };
    expect(failed).toEqual({ status: "failed", error: "Task f/two failed: boom" });

    ran.length = 0;
    const fixed = reload(p, [build(false)]);
    const result = await apply(wf(fixed), fixed);
    expect(result.cached).toEqual(["one"]);
    expect(result.ran).toEqual(["two", "three"]);
    expect(ran).toEqual(["three"]);
  });
});

describe("artifacts", () => {
  test("a missing local directory makes its task pending with artifact-missing", async () => {
    const w = workflow("art")
      .addProvider("local", local())
      .task("prepare", async ({ providers }) => ({ ctx: { base: providers.local.dirRef(providers.local.prepareDir("base")) } }))
      .task("after", async ({ step }) => ({ ctx: { ...step.ctx, after: true } }));
    const p = engineProject([w]);
    const result = await apply(wf(p), p);
    const dir = (result.ctx.base as { path: string }).path;
    expect(existsSync(dir)).toBe(true);
    expect(await planOf(p)).toEqual({ prepare: "cached", after: "cached" });
    rmSync(dir, { recursive: true });
    expect(await planOf(p)).toEqual({ prepare: "artifact-missing", after: "upstream-changed" });
    await apply(wf(p), p);
    expect(existsSync(dir)).toBe(true);
  });
});

describe("the run snapshot (Store.runsByKey)", () => {
  test("agrees with runByKey: the newest successful run per key, by finished_at, then by insertion", () => {
    const store = Store.open(`${tempDir()}/state.sqlite`);
    const run = (id: string, key: string, finished_at: number, status: "ok" | "failed" = "ok") =>
      store.insertRun({
        id, workflow: "w", path: "t", name: "t", key_hash: key, key_parts: "{}", upstream: "[]", output: null, artifacts: null, metadata: null,
        log: "", status, error: null, invalidated: 0, started_at: finished_at, finished_at, duration_ms: 0,
      });
    run("late", "k1", 200);
    run("early", "k1", 100);
    run("tie-first", "k2", 300);
    run("tie-second", "k2", 300);
    run("failed", "k2", 400, "failed");
    const runs = store.runsByKey("w");
    for (const key of ["k1", "k2"]) expect(runs.get(key)?.id).toBe(store.runByKey("w", "t", key)?.id as string);
    expect([runs.get("k1")?.id, runs.get("k2")?.id]).toEqual(["late", "tie-second"]);
    expect(runs.get("k1")?.path).toBe("t");
    store.close();
  });
});
