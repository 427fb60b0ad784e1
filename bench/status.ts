/**
 * Live-status benchmarks (issue 9), each a ratio measured in one run (medians after
 * warm-ups), never asserted:
 *
 * - `rig ls --json` with live checks of 50 Docker workspaces vs one raw `docker ps -a`
 *   on the same engine (target ≤ 1.5×): rig asks the engine once, not once per workspace;
 * - `rig ls --json --cached` with 500 workspaces vs `bun -e 0` (target ≤ 3×): the cached
 *   listing never loads the config or asks a provider.
 *
 * The Docker row needs the test services (scripts/test-services.sh start); without them it
 * says "skipped". Usage: bun bench/status.ts [--quick].
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const RIG = join(ROOT, "bin", "rig");
const RUNS = process.argv.includes("--quick") ? 3 : 9;
const tmp = mkdtempSync(join(tmpdir(), "rig-bench-status-"));
const services: Record<string, string> = (() => {
  try {
    const text = readFileSync(process.env.RIGKIT_TEST_SERVICES ?? "/tmp/rigkit-test-services/env", "utf8");
    return Object.fromEntries(text.split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  } catch {
    return {};
  }
})();
const env = {
  ...process.env,
  RIGKIT_HOME: join(tmp, "home"),
  NO_COLOR: "1",
  RIGKIT_TEST_DOCKER_HOST: services.RIGKIT_TEST_DOCKER_HOST ?? "",
  RIGKIT_TEST_DOCKER_IMAGE: services.RIGKIT_TEST_DOCKER_IMAGE ?? "",
  DOCKER_HOST: services.RIGKIT_TEST_DOCKER_HOST ?? process.env.DOCKER_HOST,
};

function run(argv: string[], cwd: string): number {
  const start = performance.now();
  const result = Bun.spawnSync(argv, { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - start;
  if (result.exitCode !== 0) throw new Error(`\`${argv.join(" ")}\` exited ${result.exitCode}: ${result.stderr.toString()}`);
  return ms;
}

function measure(argv: string[], cwd: string): number {
  run(argv, cwd);
  run(argv, cwd);
  const times = Array.from({ length: RUNS }, () => run(argv, cwd)).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

function projectWith(name: string, config: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "rigkit.config.ts"), config);
  return dir;
}

const rows: string[][] = [];
const report = (command: string, ratio: number | null, base: string, target: number) =>
  rows.push([command, ratio === null ? "-" : `${ratio.toFixed(2)}x`, base, `<= ${target}x`, ratio === null ? "skipped" : ratio <= target ? "OK" : "over"]);

try {
  // 500 workspaces with trivial hooks: the cached listing reads the state file only.
  const many = projectWith(
    "cached-500",
    `import { workflow } from "rigkit";
export default workflow("bench").task("t", async () => ({ ctx: {} })).workspace({ create: async ({ workspace }) => ({ name: workspace.name }), remove: async () => {} });
`,
  );
  process.stderr.write("bench: creating 500 workspaces…\n");
  run([RIG, "create", ...Array.from({ length: 500 }, (_, i) => `ws${i + 1}`)], many);
  const bun = measure([BUN, "-e", "0"], ROOT);
  report("rig ls --json --cached (500 ws)", measure([RIG, "ls", "--json", "--cached"], many) / bun, "bun -e 0", 3);

  const dockerUp = env.DOCKER_HOST && Bun.spawnSync(["docker", "version"], { env, stdout: "ignore", stderr: "ignore" }).exitCode === 0;
  if (!dockerUp) report("rig ls --json (50 docker ws, live)", null, "docker ps -a", 1.5);
  else {
    const dir = projectWith(
      "docker-50",
      `import { workflow, docker, env } from "rigkit";
export default workflow("bench")
  .addProvider("docker", docker({ host: env("RIGKIT_TEST_DOCKER_HOST"), network: "none" }))
  .task("image", async ({ providers }) => ({ ctx: { image: await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async () => {}) } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  });
`,
    );
    process.stderr.write("bench: creating 50 docker workspaces…\n");
    run([RIG, "create", ...Array.from({ length: 50 }, (_, i) => `d${i + 1}`)], dir);
    try {
      const ps = measure(["docker", "ps", "-a"], dir);
      report("rig ls --json (50 docker ws, live)", measure([RIG, "ls", "--json"], dir) / ps, "docker ps -a", 1.5);
    } finally {
      run([RIG, "rm", "--all", "--yes"], dir);
      run([RIG, "gc", "--yes"], dir);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const table = [["command", "ratio", "relative to", "target", "result"], ...rows];
const widths = (table[0] as string[]).map((_, c) => Math.max(...table.map((row) => (row[c] as string).length)));
console.log(`\nrig status benchmark: Bun ${Bun.version}, ${process.platform}/${process.arch}\n`);
for (const row of table) console.log(row.map((cell, c) => cell.padEnd(widths[c] as number)).join("  ").trimEnd());
