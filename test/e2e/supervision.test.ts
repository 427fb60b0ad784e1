/**
 * Supervision (README "Signals"): every process a command starts — through rig's helpers or
 * directly by config code, also after setsid — is stopped on Ctrl-C, SIGTERM and SIGHUP,
 * and what a `kill -9`'d rig left behind is stopped by the next command. Checked with
 * real processes, by the pid files they write.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RIG, project, rig, rigUntil } from "../helpers.ts";

/** A task that starts a setsid'd grandchild through local.exec, a child_process child and a Bun.spawn child. */
const SPAWNER = `import { workflow, local } from "rigkit";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
export default workflow("s")
  .addProvider("local", local())
  .task("spawn", { cacheTTL: 0 }, async ({ providers }) => {
    spawn("sh", ["-c", "echo $$ > direct.pid; exec sleep 300"], { detached: true, stdio: "ignore" }).unref();
    Bun.spawn(["sh", "-c", "echo $$ > bun.pid; exec sleep 300"], { stdio: ["ignore", "ignore", "ignore"] }).unref();
    const helper = providers.local.exec(["sh", "-c", "setsid sh -c 'echo \\$\\$ > setsid.pid; exec sleep 300' & sleep 300"]);
    while (!["direct.pid", "bun.pid", "setsid.pid"].every((f) => existsSync(f))) await Bun.sleep(20);
    console.log("ALL-STARTED");
    await helper;
  });`;

const PID_FILES = ["direct.pid", "bun.pid", "setsid.pid"];

/** Running and not a zombie (killed orphans may wait for a reaper that never comes). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function pids(dir: string): number[] {
  return PID_FILES.map((f) => Number(readFileSync(join(dir, f), "utf8").trim()));
}

describe("process ownership", () => {
  for (const [signal, codes] of [
    ["SIGINT", [130]],
    ["SIGTERM", [130]],
    ["SIGHUP", [129, 130]],
  ] as const) {
    test(`${signal} stops setsid'd, child_process and Bun.spawn descendants and records cancelled`, async () => {
      const dir = project({ "rigkit.config.ts": SPAWNER });
      const proc = await rigUntil(["apply"], "ALL-STARTED", { cwd: dir });
      const started = pids(dir);
      expect(started.every(running)).toBe(true);
      proc.kill(signal);
      const code = await proc.exited;
      expect(codes as readonly number[]).toContain(code);
      expect(started.filter(running)).toEqual([]);
      const log = await rig(["log", "--json"], { cwd: dir });
      expect(log.stdout).toContain("cancelled");
    }, 30_000);
  }

  test("Ctrl-C during a create hook stops its work and keeps no workspace record", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("c").task("t", async () => {})
  .workspace({ create: async ({ local }) => {
    console.log("HOOK-STARTED");
    await local.exec(["sh", "-c", "sleep 20; echo done > finished"]);
    return {};
  } });`,
    });
    const proc = await rigUntil(["create", "ws1"], "HOOK-STARTED", { cwd: dir });
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces).toEqual([]);
    await Bun.sleep(500);
    expect(existsSync(join(dir, "finished"))).toBe(false);
  }, 30_000);

  test("closing the terminal (SIGHUP from tmux) stops everything and records the apply cancelled", async () => {
    const dir = project({ "rigkit.config.ts": SPAWNER });
    const session = `rig-hup-${process.pid}`;
    const tmux = (...args: string[]) => {
      const r = Bun.spawnSync(["tmux", ...args], { stdout: "pipe", stderr: "pipe" });
      if (r.exitCode !== 0) throw new Error(`tmux ${args[0]} failed (is tmux installed?): ${r.stderr.toString()}`);
    };
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", "-c", dir, `env -u NO_COLOR RIGKIT_HOME=${dir}/.home ${RIG} apply; sleep 30`);
    for (let i = 0; i < 400 && !PID_FILES.every((f) => existsSync(join(dir, f))); i++) await Bun.sleep(25);
    const started = pids(dir);
    tmux("kill-session", "-t", session);
    for (let i = 0; i < 400 && started.some(running); i++) await Bun.sleep(25);
    expect(started.filter(running)).toEqual([]);
    // rig itself may still be recording as its processes end.
    let last: { kind: string; status: string } | undefined;
    for (let i = 0; i < 100; i++) {
      last = (await rig(["log", "--json"], { cwd: dir })).json().entries[0];
      if (last?.status !== "running") break;
      await Bun.sleep(50);
    }
    expect(last).toMatchObject({ kind: "apply", status: "cancelled" });
  }, 30_000);

  test("a failing task's directly spawned processes are stopped when rig exits", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
export default workflow("f").task("fail", async () => {
  spawn("setsid", ["sh", "-c", "echo $$ > direct.pid; exec sleep 300"], { detached: true, stdio: "ignore" }).unref();
  while (!existsSync("direct.pid")) await Bun.sleep(20);
  throw new Error("boom");
});`,
    });
    const result = await rig(["apply"], { cwd: dir });
    expect(result.exitCode).toBe(1);
    const pid = Number(readFileSync(join(dir, "direct.pid"), "utf8"));
    expect(running(pid)).toBe(false);
  }, 30_000);

  test("after kill -9 of rig, the next command (even rig ls) stops what it left behind", async () => {
    const dir = project({ "rigkit.config.ts": SPAWNER });
    const proc = await rigUntil(["apply"], "ALL-STARTED", { cwd: dir });
    const started = pids(dir);
    proc.kill("SIGKILL");
    await proc.exited;
    expect(started.every(running)).toBe(true);
    expect(existsSync(join(dir, ".rigkit", "run", String(proc.pid)))).toBe(true);
    const next = await rig(["ls"], { cwd: dir });
    expect(next.exitCode).toBe(0);
    expect(started.filter(running)).toEqual([]);
    expect(existsSync(join(dir, ".rigkit", "run", String(proc.pid)))).toBe(false);
  }, 30_000);
});

describe("processes left on purpose", () => {
  test("a dev server started by a successful create hook or operation keeps running until rig rm", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
const serve = async (file) => {
  spawn("setsid", ["sh", "-c", "echo $$ > " + file + "; exec sleep 300"], { detached: true, stdio: "ignore" }).unref();
  while (!existsSync(file)) await Bun.sleep(20);
};
export default workflow("d").task("t", async () => {})
  .workspace({ create: async () => { await serve("hook.pid"); return {}; } })
  .workspaceOperation("serve", { run: async () => { await serve("op.pid"); } });`,
    });
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["ws1/serve"], { cwd: dir })).exitCode).toBe(0);
    const servers = ["hook.pid", "op.pid"].map((f) => Number(readFileSync(join(dir, f), "utf8")));
    // Another command (a plan, reaping leftovers of killed rigs) leaves them alone.
    expect((await rig(["plan"], { cwd: dir })).exitCode).toBe(0);
    expect(servers.filter(running)).toEqual(servers);
    expect((await rig(["rm", "ws1", "--yes"], { cwd: dir })).exitCode).toBe(0);
    expect(servers.filter(running)).toEqual([]);
  }, 30_000);
});

describe("waiting is interruptible", () => {
  const NEVER = `import { workflow } from "rigkit";
console.error("LOADING");
await new Promise(() => {});
export default workflow("n").task("t", async () => {});`;

  test("a config that never finishes loading is a config error naming the file", async () => {
    const dir = project({ "rigkit.config.ts": NEVER });
    const result = await rig(["plan", "--json"], { cwd: dir, env: { RIGKIT_CONFIG_TIMEOUT: "1s" } });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.error().code).toBe("CONFIG_ERROR");
    expect(result.error().message).toContain("rigkit.config.ts did not finish loading within 1.0s");
  }, 30_000);

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal} while the config loads exits 130 at once`, async () => {
      const dir = project({ "rigkit.config.ts": NEVER });
      const proc = await rigUntil(["plan"], "LOADING", { cwd: dir });
      proc.kill(signal);
      // Within the config time limit (30 s): the first signal ended it.
      expect(await proc.exited).toBe(130);
    }, 20_000);
  }

  test("process.exit() in the config is a config error, and --json keeps its contract", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("x").task("t", async () => {});
process.exit(0);`,
    });
    const result = await rig(["apply", "--json"], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.error().code).toBe("CONFIG_ERROR");
    expect(result.error().message).toContain("process.exit(0)");
  }, 30_000);

  test("Ctrl-C while waiting for the project lock exits 130 at once", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("l").task("slow", { cacheTTL: 0 }, async () => {
  console.log("HOLDING");
  await Bun.sleep(60_000);
});`,
    });
    const holder = await rigUntil(["apply"], "HOLDING", { cwd: dir });
    const waiter = await rigUntil(["apply"], "Waiting for", { cwd: dir });
    waiter.kill("SIGINT");
    expect(await waiter.exited).toBe(130);
    expect(holder.exitCode).toBeNull(); // still running: the waiter gave up, not the holder
    holder.kill("SIGINT");
    expect(await holder.exited).toBe(130);
  }, 30_000);
});

describe("locks and leases", () => {
  test("rm waits for a running operation (naming it), fails past --lock-timeout, and stops it with --force", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("o").task("t", async () => {})
  .workspace({ create: async () => ({}) })
  .workspaceOperation("slow", { run: async ({ local }) => { console.log("SLOW-STARTED"); await local.exec(["sleep", "300"]); } });`,
    });
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
    const op = await rigUntil(["ws1/slow"], "SLOW-STARTED", { cwd: dir });
    const waited = await rig(["rm", "ws1", "--yes", "--lock-timeout", "1s", "--json"], { cwd: dir });
    expect(waited.exitCode).toBe(1);
    expect(waited.error().code).toBe("LOCKED");
    expect(waited.error().message).toContain("rig ws1/slow");
    expect(waited.stderr).toContain("Waiting for `rig ws1/slow`");
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces.map((w: { name: string }) => w.name)).toEqual(["ws1"]);
    expect(op.exitCode).toBeNull();
    const forced = await rig(["rm", "ws1", "--yes", "--force", "--json"], { cwd: dir });
    expect(forced.exitCode).toBe(0);
    expect(forced.json()).toEqual({ removed: ["ws1"] });
    expect(await op.exited).toBe(130);
  }, 60_000);

  test("stop waits for a running operation like rm, stops it with --force, and ends what operations left running", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
export default workflow("o").task("t", async () => {})
  .workspace({ create: async () => ({}), stop: async () => {}, start: async () => {} })
  .workspaceOperation("serve", { run: async () => {
    spawn("setsid", ["sh", "-c", "echo $$ > serve.pid; exec sleep 300"], { detached: true, stdio: "ignore" }).unref();
    while (!existsSync("serve.pid")) await Bun.sleep(20);
  } })
  .workspaceOperation("slow", { run: async ({ local }) => { console.log("SLOW-STARTED"); await local.exec(["sleep", "300"]); } });`,
    });
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["ws1/serve"], { cwd: dir })).exitCode).toBe(0);
    const server = Number(readFileSync(join(dir, "serve.pid"), "utf8"));
    expect(running(server)).toBe(true);
    const op = await rigUntil(["ws1/slow"], "SLOW-STARTED", { cwd: dir });
    const waited = await rig(["stop", "ws1", "--lock-timeout", "1s", "--json"], { cwd: dir });
    expect(waited.exitCode).toBe(1);
    expect(waited.error().code).toBe("LOCKED");
    expect(waited.stderr).toContain("Waiting for `rig ws1/slow`");
    expect(op.exitCode).toBeNull();
    const forced = await rig(["stop", "ws1", "--force", "--json"], { cwd: dir });
    expect(forced.exitCode).toBe(0);
    expect(forced.json()).toEqual({ stopped: ["ws1"] });
    expect(await op.exited).toBe(130);
    expect(running(server)).toBe(false); // the dev server the operation left running is ended too
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces[0].status).toBe("stopped");
  }, 60_000);

  test("separate rig create processes with different names run their hooks concurrently", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow } from "rigkit";
import { appendFileSync } from "node:fs";
export default workflow("c").task("t", async () => {})
  .workspace({ create: async ({ workspace }) => {
    appendFileSync("events", "+" + workspace.name + "\\n");
    await Bun.sleep(1500);
    appendFileSync("events", "-" + workspace.name + "\\n");
    return {};
  } });`,
    });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    const results = await Promise.all(["a", "b", "c", "d"].map((name) => rig(["create", name], { cwd: dir })));
    expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0, 0]);
    let now = 0;
    let max = 0;
    for (const line of readFileSync(join(dir, "events"), "utf8").trim().split("\n")) {
      now += line.startsWith("+") ? 1 : -1;
      max = Math.max(max, now);
    }
    expect(max).toBeGreaterThan(1);
  }, 60_000);

  test("twelve first commands racing in a fresh project all succeed (three rounds)", async () => {
    for (let round = 0; round < 3; round++) {
      const dir = project({
        "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("r").task("t", async () => ({ ctx: { ok: true } })).workspace({ create: async () => ({}) });`,
      });
      const commands = [["apply"], ["plan"], ["ls"], ["log"], ["apply"], ["plan"], ["ls"], ["doctor"], ["apply"], ["create", "w1"], ["create", "w2"], ["plan"]];
      const results = await Promise.all(commands.map((args) => rig(args, { cwd: dir })));
      const failed = results.map((r, i) => ({ args: commands[i], code: r.exitCode, stderr: r.stderr })).filter((r) => r.code !== 0);
      expect(failed).toEqual([]);
    }
  }, 120_000);
});
