/**
 * Authoring benchmarks, as ratios measured in one run (machines and load differ; ratios
 * between two rig commands on the same machine do not):
 *   - `rig plan` with an `inputs` glob over 10,000 unchanged files / the same plan
 *     without inputs (target ≤ 1.5×: the stat cache means no file is read);
 *   - `rig plan --all` of 5 workflows / `rig plan` of one (target ≤ 1.5×: one config load).
 * Usage: bun bench/authoring.ts. Exits non-zero only if a command fails.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const RIG = join(resolve(import.meta.dir, ".."), "bin", "rig");
const tmp = mkdtempSync(join(tmpdir(), "rig-bench-authoring-"));
const env = { ...process.env, RIGKIT_HOME: join(tmp, "home"), NO_COLOR: "1" };

function run(argv: string[], cwd: string): number {
  const start = performance.now();
  const result = Bun.spawnSync([RIG, ...argv], { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - start;
  if (result.exitCode !== 0) {
    console.error(`bench: rig ${argv.join(" ")} in ${cwd} exited ${result.exitCode}\n${result.stderr}`);
    rmSync(tmp, { recursive: true, force: true });
    process.exit(1);
  }
  return ms;
}

/** Median of 9 runs after 2 warm-ups; the two commands alternate so load hits both alike. */
function compare(a: [string[], string], b: [string[], string]): [number, number] {
  for (let i = 0; i < 2; i++) run(...a), run(...b);
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < 9; i++) as.push(run(...a)), bs.push(run(...b));
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[4] as number;
  return [median(as), median(bs)];
}

function project(name: string, config: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "rigkit.config.ts"), config);
  return dir;
}

const task = (inputs: boolean) => `import { workflow } from "rigkit";
export default workflow("app").task("build", ${inputs ? `{ inputs: ["src/**"] }, ` : ""}async () => ({ ctx: { ok: true } }));
`;
const withInputs = project("inputs", task(true));
const without = project("plain", task(false));
const old = new Date(Date.now() - 60_000);
for (let d = 0; d < 100; d++) {
  mkdirSync(join(withInputs, "src", `d${d}`), { recursive: true });
  for (let f = 0; f < 100; f++) {
    const file = join(withInputs, "src", `d${d}`, `f${f}.ts`);
    writeFileSync(file, `export const v = ${d * 100 + f};\n`);
    utimesSync(file, old, old);
  }
}
run(["apply"], withInputs);
run(["apply"], without);
const [inputsMs, plainMs] = compare([["plan"], withInputs], [["plan"], without]);

const five = project(
  "five",
  `import { workflow } from "rigkit";
${[1, 2, 3, 4, 5].map((i) => `export const w${i} = workflow("w${i}").task("t", async () => ({ ctx: { i: ${i} } }));`).join("\n")}
`,
);
run(["apply", "--all"], five);
const [allMs, oneMs] = compare([["plan", "--all"], five], [["plan", "--workflow", "w1"], five]);

const line = (label: string, ratio: number, a: number, b: number) =>
  console.log(`${label.padEnd(58)} ${ratio.toFixed(2)}×  (${a.toFixed(0)} ms / ${b.toFixed(0)} ms)  ${ratio <= 1.5 ? "OK" : "over 1.5×"}`);
line("plan, inputs over 10,000 unchanged files / no inputs", inputsMs / plainMs, inputsMs, plainMs);
line("plan --all of 5 workflows / plan of one", allMs / oneMs, allMs, oneMs);
rmSync(tmp, { recursive: true, force: true });
