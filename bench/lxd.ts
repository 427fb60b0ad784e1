/**
 * LXD benchmark: the lxd provider against the raw `lxc` client on the same cluster, as
 * ratios measured in one run with the two sides interleaved (load drifts hit both alike).
 *
 *   rig create ws (cached snapshot)      / lxc copy <snap> w && lxc start w   target ≤ 1.2×
 *   rig exec ws -- true                  / lxc exec w -- true                 target ≤ 1.2×
 *   rig create w1…w12 (one command)      / 12 × (lxc copy + start) at once    target ≤ 1.3×, spread over all members
 *   rig rm ws                            / lxc delete -f w                    target ≤ 1.3×
 *
 * Needs the LXD test cluster (scripts/test-services.sh). Usage: bun bench/lxd.ts [--quick].
 * Targets are printed as OK/over, never asserted.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const RIG = join(ROOT, "bin", "rig");
const RUNS = process.argv.includes("--quick") ? 3 : 7;

const services = Object.fromEntries(
  (await Bun.file(process.env.RIGKIT_TEST_SERVICES ?? "/tmp/rigkit-test-services/env").text())
    .split("\n")
    .filter((l) => l.includes("="))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
) as Record<string, string>;
const lxdDir = (services.RIGKIT_TEST_LXD_DIRS ?? "").split(",")[0] ?? "";
const tmp = mkdtempSync(join(tmpdir(), "rig-bench-lxd-"));
const env = { ...process.env, ...services, RIGKIT_HOME: join(tmp, "home"), NO_COLOR: "1", LXD_DIR: lxdDir };

function run(argv: string[], cwd = tmp): { ms: number; out: string } {
  const start = performance.now();
  const r = Bun.spawnSync(argv, { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - start;
  if (r.exitCode !== 0) {
    console.error(`bench: \`${argv.join(" ")}\` exited ${r.exitCode}: ${r.stderr.toString()}`);
    process.exit(1);
  }
  return { ms, out: r.stdout.toString() };
}
/** Several commands at once; the wall time until the last ends. */
async function parallel(commands: string[][], cwd = tmp): Promise<number> {
  const start = performance.now();
  const codes = await Promise.all(commands.map((argv) => Bun.spawn(argv, { cwd, env, stdin: "ignore", stdout: "ignore", stderr: "inherit" }).exited));
  if (codes.some((c) => c !== 0)) throw new Error(`bench: a parallel command failed (${codes.join(",")})`);
  return performance.now() - start;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const results: string[] = [];
const report = (name: string, rig: number, raw: number, target: number, extra = "") =>
  results.push(
    `${name.padEnd(48)} rig ${rig.toFixed(0).padStart(6)}ms  raw ${raw.toFixed(0).padStart(6)}ms  ratio ${(rig / raw).toFixed(2)}  (≤ ${target}×) ${rig / raw <= target ? "OK" : "over"}${extra}`,
  );

const dir = join(tmp, "project");
mkdirSync(dir);
writeFileSync(
  join(dir, "rigkit.config.ts"),
  `import { workflow, lxd, env } from "rigkit";
export default workflow("b")
  .addProvider("lxd", lxd({ remote: "unix://" + process.env.RIGKIT_TEST_LXD_SOCKET }))
  .task("base", async ({ providers }) => ({ ctx: { base: await providers.lxd.build({ from: process.env.RIGKIT_TEST_LXD_IMAGE! }, async (c) => { await c.exec("echo ready > /ready"); }) } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.lxd.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.lxd.removeWorkspace(workspace.ctx.instance),
  });
`,
);
const base = JSON.parse(run([RIG, "apply", "--json"], dir).out).ctx.base as { instance: string; snapshot: string };
const snap = `${base.instance}/${base.snapshot}`;
const raw = (i: number | string) => `bench-raw-${i}`;

// --- create and rm, interleaved ----------------------------------------------------------
{
  const creates: [number, number][] = [];
  const removes: [number, number][] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const rigCreate = run([RIG, "create", `w${i}`], dir).ms;
    const rawCreate = run(["sh", "-c", `lxc copy ${snap} ${raw(i)} && lxc start ${raw(i)}`]).ms;
    const rigRm = run([RIG, "rm", `w${i}`, "--yes"], dir).ms;
    const rawRm = run(["lxc", "delete", "-f", raw(i)]).ms;
    if (i > 0) {
      creates.push([rigCreate, rawCreate]);
      removes.push([rigRm, rawRm]);
    }
  }
  report("rig create ws / lxc copy snap w && lxc start w", median(creates.map((c) => c[0])), median(creates.map((c) => c[1])), 1.2);
  report("rig rm ws / lxc delete -f w", median(removes.map((c) => c[0])), median(removes.map((c) => c[1])), 1.3);
}

// --- exec -------------------------------------------------------------------------------------
{
  run([RIG, "create", "e1"], dir);
  const instance = JSON.parse(run([RIG, "ls", "--json"], dir).out).workspaces[0].ctx.instance as string;
  run(["sh", "-c", `lxc copy ${snap} ${raw("e")} && lxc start ${raw("e")}`]);
  const pairs: [number, number][] = [];
  for (let i = 0; i < RUNS * 2 + 1; i++) {
    const pair: [number, number] = [run([RIG, "exec", "e1", "--", "true"], dir).ms, run(["lxc", "exec", raw("e"), "--", "true"]).ms];
    if (i > 0) pairs.push(pair);
  }
  report("rig exec ws -- true / lxc exec w -- true", median(pairs.map((p) => p[0])), median(pairs.map((p) => p[1])), 1.2, ` (rig's on ${instance})`);
  run([RIG, "rm", "e1", "--yes"], dir);
  run(["lxc", "delete", "-f", raw("e")]);
}

// --- 12 at once ---------------------------------------------------------------------------------
{
  const names = Array.from({ length: 12 }, (_, i) => `p${i}`);
  const rounds = Math.max(1, Math.floor(RUNS / 3));
  const pairs: [number, number][] = [];
  let spread = "";
  for (let round = 0; round < rounds; round++) {
    const rigMs = await parallel([[RIG, "create", ...names]], dir);
    const locations = (JSON.parse(run(["lxc", "list", "--format", "json"]).out) as { name: string; location: string; config: Record<string, string> }[])
      .filter((i) => i.config?.["user.rigkit.workspace"]?.startsWith("p"))
      .map((i) => i.location);
    spread = [...new Set(locations)].sort().map((m) => `${m}:${locations.filter((l) => l === m).length}`).join(" ");
    const rawMs = await parallel(names.map((n) => ["sh", "-c", `lxc copy ${snap} ${raw(n)} && lxc start ${raw(n)}`]));
    pairs.push([rigMs, rawMs]);
    run([RIG, "rm", "--all", "--yes"], dir);
    await parallel(names.map((n) => ["lxc", "delete", "-f", raw(n)]));
  }
  report("rig create ×12 (one command) / 12 raw in parallel", median(pairs.map((p) => p[0])), median(pairs.map((p) => p[1])), 1.3, ` spread ${spread}`);
}

rmBases();
console.log(results.join("\n"));

function rmBases() {
  Bun.spawnSync(["rm", "-rf", join(dir, ".rigkit")]);
  run([RIG, "gc", "--yes"], dir);
}
