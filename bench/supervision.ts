/**
 * Supervision benchmarks (issue 10). Prints ratios, asserts nothing.
 *
 * - Separate creates: 4 `rig create` processes started together, each workspace hook
 *   taking 1 s, against one such create. Target ≤ 1.6× (the project lock covers the
 *   apply only, so the hooks overlap).
 * - Output memory: peak RSS (GNU time) of an apply whose task prints 50 MB through
 *   `local.exec`, against the same apply printing 100 bytes. Target: under +64 MB.
 *
 * Usage: bun bench/supervision.ts
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const RIG = join(ROOT, "bin", "rig");
const tmp = mkdtempSync(join(tmpdir(), "rig-bench-supervision-"));
const env = { ...process.env, RIGKIT_HOME: join(tmp, "home"), NO_COLOR: "1" };

function project(name: string, config: string): string {
  const dir = join(tmp, name);
  Bun.spawnSync(["mkdir", "-p", dir]);
  writeFileSync(join(dir, "rigkit.config.ts"), config);
  return dir;
}

async function run(argv: string[], cwd: string, extra: Record<string, string> = {}): Promise<void> {
  const proc = Bun.spawn(argv, { cwd, env: { ...env, ...extra }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${stderr.slice(-800)}`);
}

async function creates(): Promise<void> {
  const dir = project(
    "creates",
    `import { workflow } from "rigkit";
export default workflow("c").task("t", async () => {}).workspace({ create: async () => { await Bun.sleep(1000); return {}; } });`,
  );
  await run([RIG, "apply"], dir);
  let start = performance.now();
  await run([RIG, "create", "one"], dir);
  const single = performance.now() - start;
  start = performance.now();
  await Promise.all(["a", "b", "c", "d"].map((name) => run([RIG, "create", name], dir)));
  const four = performance.now() - start;
  const ratio = four / single;
  console.log(`4 separate creates / 1 create (1 s hooks): ${ratio.toFixed(2)}×  ${ratio <= 1.6 ? "OK" : "over"} (target ≤ 1.6×)`);
}

async function peakRss(dir: string, bytes: number): Promise<number> {
  const report = join(dir, "time.txt");
  await run(["/usr/bin/time", "-o", report, "-v", RIG, "apply"], dir, { BYTES: String(bytes) });
  return Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(report, "utf8"))?.[1]) / 1024;
}

async function memory(): Promise<void> {
  if (!existsSync("/usr/bin/time")) {
    console.log("output memory: skipped, GNU time (/usr/bin/time) is not installed");
    return;
  }
  const dir = project(
    "memory",
    `import { workflow, local } from "rigkit";
export default workflow("b").addProvider("local", local())
  .task("chatty", { cacheTTL: 0 }, async ({ providers }) => {
    await providers.local.exec(["sh", "-c", "head -c " + process.env.BYTES + " /dev/zero | tr '\\\\0' 'x' | fold -w 99"]);
  });`,
  );
  const baseline = await peakRss(dir, 100);
  const chatty = await peakRss(dir, 50 * 1024 * 1024);
  const extra = chatty - baseline;
  console.log(
    `peak RSS, 50 MB of task output / baseline: ${(chatty / baseline).toFixed(2)}× (${chatty.toFixed(0)} MB / ${baseline.toFixed(0)} MB, +${extra.toFixed(0)} MB)  ${extra < 64 ? "OK" : "over"} (target < +64 MB)`,
  );
}

try {
  await creates();
  await memory();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
