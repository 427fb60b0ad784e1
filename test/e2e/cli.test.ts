/** The rest of the command line through the real bin/rig: init, help, version, globals, .env, state files, interrupts. */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SCHEMA_VERSION } from "../../src/state/schema.ts";
import { RIG, project, rig, rigUntil, settledState, tempDir } from "../helpers.ts";
import { APP_CONFIG } from "./fixtures.ts";

describe("rig init", () => {
  test("writes the local template, ignores .rigkit/, refuses to overwrite, and the result applies", async () => {
    const dir = tempDir();
    const env = { RIGKIT_HOME: tempDir("rigkit-home-") };
    writeFileSync(join(dir, ".gitignore"), "node_modules");
    writeFileSync(join(dir, "hello.txt"), "hi\n");
    const r = await rig(["init", "--json"], { cwd: dir, env });
    expect(r.exitCode).toBe(0);
    expect(r.json()).toMatchObject({ config: join(dir, "rigkit", "index.ts"), template: "local", gitignore: true, detected: { kind: "plain" } });
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe("node_modules\n.rigkit/\n");

    const again = await rig(["init"], { cwd: dir, env });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("rigkit/index.ts already exists");
    const forced = await rig(["init", "--force", "--json"], { cwd: dir, env });
    expect(forced.exitCode).toBe(0);
    expect(forced.json().gitignore).toBe(false);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe("node_modules\n.rigkit/\n");

    const apply = await rig(["apply", "--json"], { cwd: dir, env });
    expect(apply.exitCode).toBe(0);
    expect(apply.json().ran).toEqual(["deps", "source"]);
    expect((await rig(["create", "ws1"], { cwd: dir, env })).exitCode).toBe(0);
    const exec = await rig(["exec", "ws1", "--json", "--", "cat", "hello.txt"], { cwd: dir, env });
    expect(exec.json()).toEqual({ exitCode: 0, stdout: "hi\n", stderr: "" });
    const failing = await rig(["exec", "ws1", "--", "sh", "-c", "echo broken >&2; exit 3"], { cwd: dir, env });
    expect(failing.exitCode).toBe(3);
    expect(failing.stderr).toBe("broken\n");
    expect((await rig(["rm", "ws1", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  });

  test("an unknown template is a usage error", async () => {
    const r = await rig(["init", "--template", "nope"], { cwd: tempDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("Allowed choices are local, docker, ssh, lxd");
  });
});

describe("help and version", () => {
  test("--version, version and version --json", async () => {
    const dir = tempDir();
    const pkg = JSON.parse(readFileSync(join(import.meta.dir, "..", "..", "package.json"), "utf8"));
    expect((await rig(["--version"], { cwd: dir })).stdout).toBe(`${pkg.version}\n`);
    expect((await rig(["-v"], { cwd: dir })).stdout).toBe(`${pkg.version}\n`);
    expect((await rig(["version"], { cwd: dir })).stdout).toBe(`rig ${pkg.version} (bun ${Bun.version})\n`);
    expect((await rig(["version", "--json"], { cwd: dir })).json()).toEqual({ rig: pkg.version, bun: Bun.version });
  });

  test("help lists the commands; each command's help has examples", async () => {
    const dir = tempDir();
    const bare = await rig([], { cwd: dir });
    expect(bare.exitCode).toBe(0);
    for (const command of ["init", "plan", "apply", "create", "rm|remove", "ls", "run", "log", "version"]) {
      expect(bare.stdout).toContain(`  ${command} `);
    }
    expect((await rig(["--help"], { cwd: dir })).stdout).toBe(bare.stdout);
    for (const command of ["plan", "apply", "create", "rm", "ls", "log", "init"]) {
      const help = await rig([command, "--help"], { cwd: dir });
      expect(help.exitCode).toBe(0);
      expect(help.stdout).toContain(`Usage: rig ${command}`);
      expect(help.stdout).toContain("Examples:");
      expect(help.stdout).toContain("--json");
    }
    const viaHelp = await rig(["help", "create"], { cwd: dir });
    expect(viaHelp.stdout).toContain("Usage: rig create");
    expect((await rig(["help", "frob"], { cwd: dir })).stderr).toContain('Unknown command "frob"');
  });

  test("an operation's --help lists its inputs", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["create", "w"], { cwd: dir });
    const help = await rig(["w/test", "--help"], { cwd: dir });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("Usage: rig w/test [options]");
    expect((await rig(["help", "w/test"], { cwd: dir })).stdout).toBe(help.stdout);
    expect(help.stdout).toContain("Pretend to run tests");
    expect(help.stdout).toMatch(/--filter <value>\s+only tests matching this \(required\)/);
    expect(help.stdout).toMatch(/--level <choice>.*\(choices: "unit", "e2e", default: "unit"\)/);
    expect(help.stdout).toContain("--no-watch");
    expect(help.stdout).toContain("--dry-run");
  });
});

describe("global options and discovery", () => {
  test("the config is found in a parent directory; --chdir, --config and --state point elsewhere", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG, "sub/deeper/.keep": "" });
    const fromBelow = await rig(["plan", "--json"], { cwd: join(dir, "sub", "deeper") });
    expect(fromBelow.json().workflow).toBe("app");
    expect(existsSync(join(dir, ".rigkit", "state.sqlite"))).toBe(true);
    expect(existsSync(join(dir, "sub", "deeper", ".rigkit"))).toBe(false);

    const elsewhere = tempDir();
    expect((await rig(["--chdir", dir, "plan", "--json"], { cwd: elsewhere })).json().workflow).toBe("app");
    expect((await rig(["plan", "--chdir", dir, "--json"], { cwd: elsewhere })).json().workflow).toBe("app");
    expect((await rig(["plan", "--config", join(dir, "rigkit.config.ts"), "--json"], { cwd: elsewhere })).json().workflow).toBe("app");

    const state = join(elsewhere, "other.sqlite");
    const applied = await rig(["apply", "--state", state, "--json"], { cwd: dir });
    expect(applied.json().ran).toEqual(["tools", "base"]);
    expect(existsSync(state)).toBe(true);
    // The default state file never saw that apply.
    expect((await rig(["plan", "--json"], { cwd: dir })).json().cachedCount).toBe(0);
    expect((await rig(["plan", "--state", state, "--json"], { cwd: dir })).json().cachedCount).toBe(2);
  });

  test("rigkit/index.ts is found as well", async () => {
    const dir = project({ "rigkit/index.ts": `import { workflow } from "rigkit";\nexport default workflow("nested").task("t", async () => {});\n` });
    const r = await rig(["plan", "--json"], { cwd: dir });
    expect(r.json().workflow).toBe("nested");
    expect(existsSync(join(dir, ".rigkit", "state.sqlite"))).toBe(true);
  });

  test("the project's .env is loaded without overriding the environment", async () => {
    const dir = project({
      ".env": "RIGKIT_T_FROM_FILE=file\nRIGKIT_T_BOTH=file\n",
      "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("e").operation("show", { run: async () => ({ file: process.env.RIGKIT_T_FROM_FILE, both: process.env.RIGKIT_T_BOTH }) });`,
    });
    const r = await rig(["show", "--json"], { cwd: dir, env: { RIGKIT_T_BOTH: "shell" } });
    expect(r.json()).toEqual({ file: "file", both: "shell" });
  });

  test("a config outside any package imports rigkit with nothing installed", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
    expect((await rig(["plan"], { cwd: dir })).exitCode).toBe(0);
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
  });
});

describe("the state file", () => {
  const sha = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

  test("a file that is not SQLite is refused and left untouched", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    mkdirSync(join(dir, ".rigkit"));
    const path = join(dir, ".rigkit", "state.sqlite");
    writeFileSync(path, "this is not a database, it is a note\n".repeat(20));
    const before = sha(path);
    for (const args of [["plan"], ["apply"], ["ls"], ["create", "x"]]) {
      const r = await rig([...args, "--json"], { cwd: dir });
      expect(r.exitCode).toBe(1);
      expect(r.error().code).toBe("STATE_ERROR");
      expect(r.error().message).toContain("is not a rigkit state file");
    }
    expect(sha(path)).toBe(before);
  });

  test("a file from a newer rig is refused and left untouched", async () => {
    const { dir, path } = await settledState(APP_CONFIG, ["user_version = 99"]);
    const before = sha(path);
    const r = await rig(["plan"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`has schema version 99, newer than this rig supports (${SCHEMA_VERSION})`);
    expect(r.stderr).toContain("Upgrade rigkit");
    expect(sha(path)).toBe(before);
  });

  test("a truncated file is refused with a clear error", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["apply"], { cwd: dir });
    const path = join(dir, ".rigkit", "state.sqlite");
    const db = new Database(path);
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, 1024 + 100));
    const before = sha(path);
    for (const args of [["plan"], ["apply"], ["ls"]]) {
      const r = await rig([...args, "--json"], { cwd: dir });
      expect(r.exitCode).toBe(1);
      expect(r.error().code).toBe("STATE_ERROR");
    }
    expect(sha(path)).toBe(before);
  });
});

describe("interrupts", () => {
  // Sleeps unique to this test process, so another suite running at the same time cannot
  // be mistaken for a survivor.
  const tag = `${process.pid}`;
  const config = `import { workflow, local } from "rigkit";
export default workflow("i").addProvider("local", local())
  .task("quick", async () => ({ ctx: { quick: true } }))
  .task("slow", async ({ providers }) => { console.log("sleeping"); await providers.local.exec(["sh", "-c", "sleep 97.${tag} & sleep 98.${tag}; wait"]); });`;

  /** Starts `rig apply` without a terminal and resolves once the slow task is running. */
  async function startSlowApply(dir: string) {
    const proc = await rigUntil(["apply"], "sleeping", { cwd: dir, env: { RIGKIT_HOME: join(dir, ".home") } });
    // let sh start its children
    for (let i = 0; i < 100 && sleepers().split("\n").length < 2; i++) await Bun.sleep(20);
    return proc;
  }

  const sleepers = () => Bun.spawnSync(["pgrep", "-f", `sleep 9[78]\\.${tag}`]).stdout.toString().trim();

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal} during a task stops its whole process tree, keeps earlier results and exits 130`, async () => {
      const dir = project({ "rigkit.config.ts": config });
      const proc = await startSlowApply(dir);
      expect(sleepers()).not.toBe("");
      proc.kill(signal);
      expect(await proc.exited).toBe(130);
      expect(sleepers()).toBe(""); // the whole tree, grandchildren included, is gone by then
      const db = new Database(join(dir, ".rigkit", "state.sqlite"), { readonly: true });
      const runs = db.query("SELECT path, status FROM task_runs ORDER BY started_at").all();
      const log = db.query("SELECT kind, status FROM oplog").all();
      db.close();
      expect(runs).toEqual([
        { path: "quick", status: "ok" },
        { path: "slow", status: "cancelled" },
      ]);
      expect(log).toEqual([{ kind: "apply", status: "cancelled" }]);
      const plan = await rig(["plan", "--json"], { cwd: dir });
      expect(plan.json().nodes.map((n: { status: string }) => n.status)).toEqual(["cached", "pending"]);
    }, 20_000);
  }

  test("a second interrupt exits at once and still leaves no child behind", async () => {
    const dir = project({
      "rigkit.config.ts": config.replace(`"sleep 97.${tag} &`, `"trap '' TERM; sleep 97.${tag} &`),
    });
    const proc = await startSlowApply(dir);
    proc.kill("SIGINT");
    await Bun.sleep(200);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    await Bun.sleep(100);
    expect(sleepers()).toBe("");
  }, 20_000);
});

describe("read-only views", () => {
  test("apply --dry-run reports like plan and runs nothing", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    const dry = await rig(["apply", "--dry-run", "--json"], { cwd: dir });
    expect(dry.exitCode).toBe(0);
    expect(dry.json()).toEqual((await rig(["plan", "--json"], { cwd: dir })).json());
    expect(existsSync(join(dir, ".rigkit", "base"))).toBe(false);
  });

  test("ls config lists workflows, tasks and operations from the manifest", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["plan"], { cwd: dir });
    const r = await rig(["ls", "config", "--json"], { cwd: dir });
    const [app] = r.json().workflows;
    expect(app.name).toBe("app");
    expect(app.tasks).toEqual(["tools", "base"]);
    expect(app.operations.map((o: { id: string }) => o.id)).toEqual(["hello"]);
    const test = app.workspaceOperations.find((o: { id: string }) => o.id === "test");
    expect(test.inputs.map((i: { flag: string }) => i.flag)).toEqual(["filter", "retries", "watch", "level", "dry-run"]);
    const text = await rig(["ls", "config"], { cwd: dir });
    expect(text.stdout).toContain("app 2 tasks, 5 operations\n  tasks: tools, base\n");
    expect(text.stdout).toMatch(/^ {2}<ws>\/test +Pretend to run tests$/m);
    expect(text.stdout).toMatch(/^ {2}hello +Say hello$/m);
    expect((await rig(["ls", "everything"], { cwd: dir })).exitCode).toBe(2);
  });

  test("log shows history newest first, in text and JSON", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    await rig(["apply"], { cwd: dir });
    await rig(["hello"], { cwd: dir });
    const j = await rig(["log", "--json"], { cwd: dir });
    expect(j.json().entries.map((e: { kind: string; status: string }) => [e.kind, e.status])).toEqual([
      ["operation", "ok"],
      ["apply", "ok"],
    ]);
    const text = await rig(["log", "-n", "1"], { cwd: dir });
    expect(text.stdout.trim().split("\n")).toHaveLength(1);
    expect(text.stdout).toMatch(/operation\s+app hello\s+ok/);
    expect((await rig(["log", "-n", "zero"], { cwd: dir })).exitCode).toBe(2);
  });
});

describe("the project lock", () => {
  const config = `import { workflow, local } from "rigkit";
export default workflow("l").addProvider("local", local())
  .task("slow", async ({ providers }) => { console.log("holding"); await providers.local.exec(["sleep", "3"]); return { ctx: { at: Date.now() } }; });`;

  test("a second apply waits, says for whom, then finds everything cached", async () => {
    const dir = project({ "rigkit.config.ts": config });
    const first = await rigUntil(["apply", "--json"], "holding", { cwd: dir });
    const second = await rig(["apply", "--json"], { cwd: dir });
    expect(await first.exited).toBe(0);
    expect(second.exitCode).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`Waiting for \`rig apply --workflow l\` \\(pid ${first.pid}, since .*\\) to finish`));
    expect(second.json().ran).toEqual([]);
    expect(second.json().cached).toEqual(["slow"]);
  }, 20_000);

  test("--lock-timeout 0 fails at once, naming the holder; reading never waits", async () => {
    const dir = project({ "rigkit.config.ts": config });
    const first = await rigUntil(["apply"], "holding", { cwd: dir });
    let firstDone = false;
    first.exited.then(() => (firstDone = true));
    const second = await rig(["apply", "--lock-timeout", "0", "--json"], { cwd: dir });
    expect(second.exitCode).toBe(1);
    expect(second.error().code).toBe("LOCKED");
    expect(second.error().message).toContain(`(pid ${first.pid}`);
    expect((await rig(["plan", "--json"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["ls", "--json"], { cwd: dir })).exitCode).toBe(0);
    expect(firstDone).toBe(false); // all of that happened while the first apply still held the lock
    expect(await first.exited).toBe(0);
  }, 20_000);

  test("a lock left by a dead process is taken over", async () => {
    const dir = project({ "rigkit.config.ts": config.replace('"sleep", "3"', '"true"') });
    expect((await rig(["plan"], { cwd: dir })).exitCode).toBe(0);
    const dead = Bun.spawnSync(["true"]).pid;
    const db = new Database(join(dir, ".rigkit", "state.sqlite"));
    db.query("INSERT INTO lock (id, pid, host, command, acquired_at) VALUES (1, ?, ?, 'apply', 0)").run(dead, (await import("node:os")).hostname());
    db.close();
    const r = await rig(["apply", "--lock-timeout", "0", "--json"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const after = new Database(join(dir, ".rigkit", "state.sqlite"), { readonly: true });
    expect(after.query("SELECT COUNT(*) AS n FROM lock").get()).toEqual({ n: 0 });
    after.close();
  });

  test("20 concurrent creates against one project all succeed", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => rig(["create", `ws${i + 1}`, "--json"], { cwd: dir })));
    expect(runs.map((r) => r.exitCode)).toEqual(Array(20).fill(0));
    expect(runs.flatMap((r) => (r.stderr.includes("error") ? [r.stderr] : []))).toEqual([]);
    const names = (await rig(["ls", "--json"], { cwd: dir })).json().workspaces.map((w: { name: string }) => w.name);
    expect(names.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `ws${i + 1}`).sort());
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir })).exitCode).toBe(0);
  }, 120_000);

  test("a bad --lock-timeout is a usage error", async () => {
    const dir = project({ "rigkit.config.ts": config });
    const r = await rig(["apply", "--lock-timeout", "soon", "--json"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.error().message).toContain('--lock-timeout: "soon" is not a duration');
  });
});

describe("projects and doctor", () => {
  test("projects finds configs below, skipping node_modules, .git and build output", async () => {
    const root = tempDir();
    const cfg = `import { workflow } from "rigkit";\nexport default workflow("w").workspace({ create: async () => ({}) });\n`;
    for (const sub of ["a", "b/deeper", "node_modules/pkg", ".git/x", "dist/y", "c/rigkit"]) {
      mkdirSync(join(root, sub), { recursive: true });
      writeFileSync(join(root, sub, sub.endsWith("rigkit") ? "index.ts" : "rigkit.config.ts"), cfg);
    }
    await rig(["create", "one"], { cwd: join(root, "a") });
    const r = await rig(["projects", "--json"], { cwd: root });
    expect(r.json().projects).toEqual([
      // projectDir and configPath: upstream's names, beside ours.
      { root: join(root, "a"), config: join(root, "a", "rigkit.config.ts"), projectDir: join(root, "a"), configPath: join(root, "a", "rigkit.config.ts"), workspaces: 1 },
      { root: join(root, "b", "deeper"), config: join(root, "b", "deeper", "rigkit.config.ts"), projectDir: join(root, "b", "deeper"), configPath: join(root, "b", "deeper", "rigkit.config.ts"), workspaces: null },
      { root: join(root, "c"), config: join(root, "c", "rigkit", "index.ts"), projectDir: join(root, "c"), configPath: join(root, "c", "rigkit", "index.ts"), workspaces: null },
    ]);
    expect((await rig(["projects"], { cwd: root })).stdout).toMatch(/^a\s+rigkit.config.ts\s+1 workspace$/m);
  });

  test("doctor reports state health and provider checks; problems make ok false", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow, defineProvider } from "rigkit";
const flaky = defineProvider({ id: "flaky", create: () => ({
  runtime: () => ({}),
  checks: async () => [{ name: "reachable", ok: process.env.FLAKY_UP === "1", message: "host 127.0.0.9" }],
}) });
export default workflow("w").addProvider("flaky", flaky()).task("t", async () => {});`,
    });
    await rig(["apply"], { cwd: dir });
    const up = await rig(["doctor", "--json"], { cwd: dir, env: { FLAKY_UP: "1" } });
    expect(up.exitCode).toBe(0);
    const report = up.json();
    expect(report.ok).toBe(true);
    const byName = Object.fromEntries(report.checks.map((c: { name: string }) => [c.name, c]));
    expect(byName.state.message).toMatch(/schema v\d+ of \d+, .* integrity ok/);
    expect(byName.permissions.ok).toBe(true);
    expect(byName["provider flaky: reachable"]).toEqual({ name: "provider flaky: reachable", ok: true, message: "host 127.0.0.9" });
    const down = await rig(["doctor", "--json"], { cwd: dir });
    expect(down.json().ok).toBe(false);
    const text = await rig(["doctor"], { cwd: dir });
    expect(text.stdout).toMatch(/✗ provider flaky: reachable host 127.0.0.9/);
    expect(text.stdout).toContain("1 problem found.");
  });

  test("doctor without a config says so instead of failing", async () => {
    const r = await rig(["doctor", "--json"], { cwd: tempDir() });
    expect(r.exitCode).toBe(0);
    expect(r.json().checks.find((c: { name: string }) => c.name === "config").ok).toBe(false);
  });
});
