/**
 * Bounded resources (README "Output and logs"): task output streams to .rigkit/logs/, rig's peak RSS does
 * not grow with it (50 MB printed < baseline + 64 MB, measured by /usr/bin/time -v), the
 * state keeps a tail, and logs are pruned to the last 20 runs per task.
 */
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { RIG, project, rig } from "../helpers.ts";

const CHATTY = `import { workflow, local } from "rigkit";
export default workflow("b").addProvider("local", local())
  .task("chatty", { cacheTTL: 0 }, async ({ providers }) => {
    await providers.local.exec(["sh", "-c", "head -c " + process.env.BYTES + " /dev/zero | tr '\\\\0' 'x' | fold -w 99"]);
  });`;

/** Peak RSS in KB of one `rig apply`, from GNU time. */
async function peakRss(dir: string, bytes: number): Promise<number> {
  if (!existsSync("/usr/bin/time")) throw new Error("GNU time is needed: apt-get install time");
  // The report goes to a file: rig leaves the shared stderr pipe non-blocking, which cuts time's own write short.
  const report = join(dir, ".rigkit-home-time.txt");
  const proc = Bun.spawn(["/usr/bin/time", "-o", report, "-v", RIG, "apply"], {
    cwd: dir,
    env: { ...process.env, BYTES: String(bytes), NO_COLOR: "1", RIGKIT_HOME: join(dir, ".rigkit-home") },
    stdout: "ignore",
    stderr: "pipe",
  });
  const output = await new Response(proc.stderr).text();
  const code = await proc.exited;
  if (code !== 0) throw new Error(`exit ${code}: ${output.slice(-1500)}`);
  const stderr = readFileSync(report, "utf8");
  const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  if (!match) throw new Error(`no RSS in: ${stderr.slice(-500)}`);
  return Number(match[1]);
}

test("50 MB of task output costs under 64 MB of extra peak RSS and lands in the log file, not the state", async () => {
  const dir = project({ "rigkit.config.ts": CHATTY });
  const baseline = await peakRss(dir, 100);
  const chatty = await peakRss(dir, 50 * 1024 * 1024);
  console.log(`peak RSS: baseline ${Math.round(baseline / 1024)} MB, 50 MB output ${Math.round(chatty / 1024)} MB`);
  expect(chatty - baseline).toBeLessThan(64 * 1024);
  const logs = readdirSync(join(dir, ".rigkit", "logs")).map((f) => statSync(join(dir, ".rigkit", "logs", f)).size);
  expect(Math.max(...logs)).toBeGreaterThan(50 * 1024 * 1024);
  const db = new Database(join(dir, ".rigkit", "state.sqlite"), { readonly: true });
  const longest = (db.query("SELECT max(length(log)) AS n FROM task_runs").get() as { n: number }).n;
  db.close();
  expect(longest).toBeLessThan(100 * 1024);
}, 120_000);

test("30 applies of a chatty cacheTTL: 0 task keep .rigkit/ bounded (20 logs per task)", async () => {
  const dir = project({ "rigkit.config.ts": CHATTY });
  for (let i = 0; i < 30; i++) expect((await rig(["apply"], { cwd: dir, env: { BYTES: String(1024 * 1024) } })).exitCode).toBe(0);
  const logs = readdirSync(join(dir, ".rigkit", "logs"));
  expect(logs.length).toBe(20);
  const size = (p: string): number => {
    const stat = statSync(p);
    return stat.isDirectory() ? readdirSync(p).reduce((n, f) => n + size(join(p, f)), 0) : stat.size;
  };
  const total = size(join(dir, ".rigkit", "logs")) + size(join(dir, ".rigkit", "state.sqlite"));
  // 20 logs of ~1 MB and a state file with tails only.
  expect(total).toBeLessThan(24 * 1024 * 1024);
}, 180_000);
