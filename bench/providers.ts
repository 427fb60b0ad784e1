/**
 * Provider benchmarks, each a ratio measured in one run (medians after warm-ups):
 *
 * - docker: `rig create` of a workspace from a cached snapshot vs a raw
 *   `docker run -d` + `docker exec … true` on the same image (target ≤ 1.5×);
 * - ssh: a workspace action running `true` (`rig ws1/exec`) vs a raw cold
 *   `ssh host true` without connection reuse (target ≤ 1.0×);
 * - local: `rig create` from a prepared directory of 20,000 files vs `cp -a` of it
 *   (target ≤ 0.5× where reflinks or worktrees apply, ≤ 1.2× otherwise).
 *
 * Docker and SSH need the test services (scripts/test-services.sh start); without them
 * those rows say "skipped". Usage: bun bench/providers.ts [--quick].
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const RIG = join(ROOT, "bin", "rig");
const RUNS = process.argv.includes("--quick") ? 3 : 7;
const tmp = mkdtempSync(join(tmpdir(), "rig-bench-providers-"));

const servicesFile = process.env.RIGKIT_TEST_SERVICES ?? "/tmp/rigkit-test-services/env";
const services: Record<string, string> = (() => {
  try {
    return Object.fromEntries(readFileSync(servicesFile, "utf8").split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  } catch {
    return {};
  }
})();
const env = { ...process.env, NO_COLOR: "1", RIGKIT_HOME: join(tmp, "home"), DOCKER_HOST: services.RIGKIT_TEST_DOCKER_HOST ?? process.env.DOCKER_HOST ?? "", ...services };

function run(argv: string[], cwd = tmp): number {
  const start = performance.now();
  const r = Bun.spawnSync(argv, { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - start;
  if (r.exitCode !== 0) throw new Error(`\`${argv.join(" ")}\` exited ${r.exitCode}: ${r.stderr.toString() || r.stdout.toString()}`);
  return ms;
}

/** Median of timed `measure()` calls, each followed by an untimed `reset()`. */
function median(measure: () => number, reset: () => void = () => {}): number {
  measure();
  reset();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    times.push(measure());
    reset();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const up = (argv: string[]) => Bun.spawnSync(argv, { env, stdout: "ignore", stderr: "ignore" }).exitCode === 0;
type Row = [string, string, string, string, string];
const rows: Row[] = [];
const row = (what: string, rig: number, raw: number, target: number) =>
  rows.push([what, rig.toFixed(0), raw.toFixed(0), `${(rig / raw).toFixed(2)}x`, `<= ${target}x ${rig / raw <= target ? "OK" : "over"}`]);

try {
  // docker
  if (services.RIGKIT_TEST_DOCKER_HOST && up(["docker", "version"])) {
    const dir = join(tmp, "docker");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "rigkit.config.ts"),
      `import { workflow, docker } from "rigkit";
export default workflow("b").addProvider("docker", docker({ network: "none" }))
  .task("image", async ({ providers }) => ({ ctx: { image: await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async (c) => { await c.exec("true"); }) } }))
  .workspace({ create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image }), remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container) });`,
    );
    run([RIG, "apply"], dir);
    const rigCreate = median(() => run([RIG, "create", "w"], dir), () => run([RIG, "rm", "w", "--yes"], dir));
    const image = services.RIGKIT_TEST_DOCKER_IMAGE as string;
    const raw = median(
      () => {
        const start = performance.now();
        const id = Bun.spawnSync(["docker", "run", "-d", "--network", "none", "--name", "rigkit-bench-raw", image, "sh", "-c", "while :; do sleep 3600; done"], { env, stdout: "pipe" }).stdout.toString().trim();
        run(["docker", "exec", id, "true"]);
        return performance.now() - start;
      },
      () => run(["docker", "rm", "-f", "rigkit-bench-raw"]),
    );
    row("docker: rig create (cached snapshot) vs docker run -d + exec", rigCreate, raw, 1.5);
  } else rows.push(["docker", "-", "-", "-", "skipped: scripts/test-services.sh start"]);

  // ssh
  if (services.RIGKIT_TEST_SSH_CONFIG && up(["ssh", "-F", services.RIGKIT_TEST_SSH_CONFIG, "rig-a", "true"])) {
    const dir = join(tmp, "ssh");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "rigkit.config.ts"),
      `import { workflow, ssh, z } from "rigkit";
export default workflow("b").addProvider("ssh", ssh({ hosts: [{ host: "rig-a", root: ${JSON.stringify(join(tmp, "remote"))} }], configFile: process.env.RIGKIT_TEST_SSH_CONFIG }))
  .task("base", async ({ providers }) => ({ ctx: { base: await providers.ssh.prepareDir("b") } }))
  .workspace({ create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }), remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx) })
  .workspaceOperation("exec", { input: z.object({ command: z.string() }), run: async ({ input, workspace, providers }) => (await providers.ssh.exec(workspace.ctx.host, input.command, { cwd: workspace.ctx.dir })).exitCode });`,
    );
    run([RIG, "create", "ws1"], dir);
    const action = median(() => run([RIG, "ws1/exec", "--command", "true"], dir));
    const cold = median(() => run(["ssh", "-F", services.RIGKIT_TEST_SSH_CONFIG as string, "-o", "ControlMaster=no", "-o", "ControlPath=none", "rig-a", "true"]));
    row("ssh: rig ws1/exec true vs cold ssh host true", action, cold, 1.0);
    run([RIG, "rm", "ws1", "--yes"], dir);
  } else rows.push(["ssh", "-", "-", "-", "skipped: scripts/test-services.sh start"]);

  // local: 20,000 files
  const dir = join(tmp, "local");
  mkdirSync(dir);
  writeFileSync(
    join(dir, "rigkit.config.ts"),
    `import { workflow, local } from "rigkit";
export default workflow("b").addProvider("local", local())
  .task("base", async ({ providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    await providers.local.exec("for d in $(seq 1 200); do mkdir -p d$d; for f in $(seq 1 100); do echo $d-$f > d$d/f$f; done; done", { cwd: dir });
    return { ctx: { base: providers.local.dirRef(dir) } };
  })
  .workspace({ create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }), remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir) });`,
  );
  run([RIG, "apply"], dir);
  let method: string = "";
  const create = median(
    () => {
      const ms = run([RIG, "create", "w", "--json"], dir);
      method ||= JSON.parse(Bun.spawnSync([RIG, "ls", "--json"], { cwd: dir, env, stdout: "pipe" }).stdout.toString()).workspaces[0].ctx.method;
      return ms;
    },
    () => run([RIG, "rm", "w", "--yes"], dir),
  );
  const copy = median(() => run(["cp", "-a", join(dir, ".rigkit/base/base"), join(tmp, "copy")]), () => rmSync(join(tmp, "copy"), { recursive: true, force: true }));
  row(`local: rig create (20,000 files, ${method}) vs cp -a`, create, copy, method === "copy" ? 1.2 : 0.5);
} finally {
  Bun.spawnSync(["docker", "rm", "-f", "rigkit-bench-raw"], { env, stdout: "ignore", stderr: "ignore" });
  rmSync(tmp, { recursive: true, force: true });
}

const table: Row[] = [["benchmark", "rig ms", "raw ms", "ratio", "target"], ...rows];
const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...table.map((r) => r[c]?.length ?? 0)));
console.log(`\nrig provider benchmarks: Bun ${Bun.version}, ${process.platform}/${process.arch}, median of ${RUNS}\n`);
for (const [i, r] of table.entries()) {
  console.log(r.map((cell, c) => (c >= 1 && c <= 3 ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join("  ").trimEnd());
  if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}
