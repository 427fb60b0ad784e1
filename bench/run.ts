/**
 * Startup and no-op benchmark for the rig CLI.
 *
 * Measures the wall-clock time of `rig --version`, of no-op (fully cached)
 * `rig plan` / `rig apply` on generated workflows of 100, 1,000 and 10,000 chained
 * tasks, and of completion (`rig ws<TAB>`, `rig ws1/<TAB>`) and `rig ls --json` with
 * 500 workspaces in the state file, each as the median of several runs after warm-ups.
 *
 * Results are reported as ratios to `bun -e 0` (same Bun binary, same run), not as
 * absolute milliseconds: machines and load differ, but the ratio to starting the
 * runtime itself is stable, so targets stay meaningful anywhere. The 10k/1k ratio
 * shows whether the no-op path scales linearly in the number of tasks.
 *
 * Usage: bun bench/run.ts [--quick]. Exits non-zero only if a command fails;
 * targets are printed as OK/over, never asserted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const RIG = join(ROOT, "bin", "rig");
const QUICK = process.argv.includes("--quick");
const SIZES = [100, 1000, 10000] as const;

const tmp = mkdtempSync(join(tmpdir(), "rig-bench-"));
const env = { ...process.env, RIGKIT_HOME: join(tmp, "home"), NO_COLOR: "1" };

/** Runs argv in cwd, returns elapsed ms; aborts the whole benchmark if it fails. */
function run(argv: string[], cwd: string): number {
  const start = performance.now();
  const result = Bun.spawnSync(argv, { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - start;
  if (result.exitCode !== 0) {
    console.error(`\nbench: \`${argv.join(" ")}\` in ${cwd} exited ${result.exitCode ?? result.signalCode}`);
    console.error(result.stderr.toString() || result.stdout.toString());
    rmSync(tmp, { recursive: true, force: true });
    process.exit(1);
  }
  return ms;
}

/** Median of `runs` timed runs after `warmup` untimed ones. */
function measure(argv: string[], cwd: string, runs: number, warmup = 2): number {
  for (let i = 0; i < warmup; i++) run(argv, cwd);
  const times = Array.from({ length: runs }, () => run(argv, cwd)).sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
}

/**
 * A project whose workflow chains n tasks; ctx stays one counter, each handler's source differs.
 * One `wf = wf.task(…)` statement per task: Bun overflows its stack on a 10,000-link `.task().task()` chain.
 */
function project(n: number): string {
  const dir = join(tmp, `tasks-${n}`);
  mkdirSync(dir);
  const tasks = Array.from({ length: n }, (_, i) => `wf = wf.task("t${i}", async ({ step }) => ({ ctx: { n: (step.ctx.n ?? 0) + 1, last: ${i} } }));`);
  writeFileSync(join(dir, "rigkit.config.ts"), `import { workflow } from "rigkit";\n\nlet wf: any = workflow("bench");\n${tasks.join("\n")}\nexport default wf;\n`);
  return dir;
}

/** A project with 500 workspaces (trivial hooks: this measures rig, not a provider). */
function workspaces(): string {
  const dir = join(tmp, "workspaces-500");
  mkdirSync(dir);
  writeFileSync(
    join(dir, "rigkit.config.ts"),
    `import { workflow, z } from "rigkit";
export default workflow("bench")
  .task("t", async () => ({ ctx: { ok: true } }))
  .workspace({ create: async ({ workspace }) => ({ name: workspace.name }), remove: async () => {} })
  .workspaceOperation("exec", { input: z.object({ command: z.string(), level: z.enum(["a", "b"]).default("a") }), run: async () => null })
  .workspaceOperation("shell", { run: async () => null });
`,
  );
  run([RIG, "create", ...Array.from({ length: 500 }, (_, i) => `ws${i + 1}`)], dir);
  return dir;
}

const runs = (fast: number, slow: number, n = 0) => (QUICK ? Math.max(3, Math.ceil((n >= 10000 ? slow : fast) / 3)) : n >= 10000 ? slow : fast);

type Row = { command: string; ms?: number; ratio: number; base: string; target?: number; baseline?: boolean };
const rows: Row[] = [];

try {
  process.stderr.write("bench: preparing projects…");
  const dirs = new Map(SIZES.map((n) => [n, project(n)]));
  for (const [n, dir] of dirs) {
    process.stderr.write(` apply ${n}…`);
    run([RIG, "apply"], dir); // fill the cache, untimed
  }
  process.stderr.write(" 500 workspaces…");
  const wsDir = workspaces();
  process.stderr.write("\nbench: measuring…\n");

  const bun = measure([BUN, "-e", "0"], ROOT, runs(15, 5));
  const perBun = (command: string, ms: number, target?: number) => rows.push({ command, ms, ratio: ms / bun, base: "bun -e 0", target });
  rows.push({ command: "bun -e 0", ms: bun, ratio: 1, base: "bun -e 0", baseline: true });
  perBun("rig --version", measure([RIG, "--version"], ROOT, runs(15, 5)), 2);
  perBun("rig __complete: rig ws<TAB>   (500 ws)", measure([RIG, "__complete", "--", "ws"], wsDir, runs(15, 5)), 3);
  perBun("rig __complete: rig ws1/<TAB> (500 ws)", measure([RIG, "__complete", "--", "ws1/"], wsDir, runs(15, 5)), 3);
  perBun("rig ls --json (500 ws)", measure([RIG, "ls", "--json"], wsDir, runs(15, 5)), 4);

  const plans = new Map<number, number>();
  const applies = new Map<number, number>();
  for (const [n, dir] of dirs) {
    process.stderr.write(`  ${n} tasks…\n`);
    plans.set(n, measure([RIG, "plan"], dir, runs(15, 5, n)));
    applies.set(n, measure([RIG, "apply"], dir, runs(15, 5, n)));
  }
  for (const n of SIZES) perBun(`rig plan   (${n.toLocaleString("en")} tasks, no-op)`, plans.get(n)!, n === 1000 ? 20 : undefined);
  for (const n of SIZES) perBun(`rig apply  (${n.toLocaleString("en")} tasks, no-op)`, applies.get(n)!);
  rows.push({ command: "plan 10,000 / plan 1,000", ratio: plans.get(10000)! / plans.get(1000)!, base: "plan 1k", target: 11 });
  rows.push({ command: "apply 10,000 / apply 1,000", ratio: applies.get(10000)! / applies.get(1000)!, base: "apply 1k" });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const table = [
  ["command", "median ms", "ratio", "relative to", "target", "result"],
  ...rows.map((r) => [
    r.command,
    r.ms === undefined ? "" : r.ms.toFixed(1),
    `${r.ratio.toFixed(2)}x`,
    r.base,
    r.target === undefined ? "-" : `<= ${r.target}x`,
    r.baseline ? "baseline" : r.target === undefined ? "info" : r.ratio <= r.target ? "OK" : "over",
  ]),
];
const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
const right = new Set([1, 2]);
const line = (row: string[]) => row.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd();
console.log(`\nrig benchmark${QUICK ? " (--quick)" : ""}: Bun ${Bun.version}, ${process.platform}/${process.arch}\n`);
console.log(line(table[0]!));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of table.slice(1)) console.log(line(row));
