/**
 * Lifecycle benchmark: built-in access against the raw tool it wraps, as ratios measured
 * in one run (machines and load differ; the ratio to the raw tool is what rig adds).
 *
 *   rig exec ws -- true           / docker exec C true            target ≤ 1.3×
 *   rig exec ws -- true (ssh)     / warm multiplexed ssh host true target ≤ 1.3×
 *   rig create --from (20k files) / cp -a                          target ≤ 1.1×
 *   rig forward, 100 MB download  / docker exec C cat (same bytes) target ≥ 0.8× throughput
 *     (also shown: / docker exec -i C nc, the same connector without rig)
 *
 * Needs the test services (scripts/test-services.sh). Usage: bun bench/lifecycle.ts [--quick].
 * Targets are printed as OK/over, never asserted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const RIG = join(ROOT, "bin", "rig");
const QUICK = process.argv.includes("--quick");
const RUNS = QUICK ? 5 : 15;

const services = Object.fromEntries(
  (await Bun.file(process.env.RIGKIT_TEST_SERVICES ?? "/tmp/rigkit-test-services/env").text())
    .split("\n")
    .filter((l) => l.includes("="))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
) as Record<string, string>;

const tmp = mkdtempSync(join(tmpdir(), "rig-bench-lifecycle-"));
const env = { ...process.env, ...services, RIGKIT_HOME: join(tmp, "home"), NO_COLOR: "1", DOCKER_HOST: services.RIGKIT_TEST_DOCKER_HOST ?? "" };

function run(argv: string[], cwd = tmp, stdout: "pipe" | "ignore" = "pipe"): { ms: number; out: string } {
  const start = performance.now();
  const r = Bun.spawnSync(argv, { cwd, env, stdin: "ignore", stdout, stderr: "pipe" });
  const ms = performance.now() - start;
  if (r.exitCode !== 0) {
    console.error(`bench: \`${argv.join(" ")}\` exited ${r.exitCode}: ${r.stderr.toString()}`);
    process.exit(1);
  }
  return { ms, out: r.stdout?.toString() ?? "" };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Interleaved runs of a and b (load drifts affect both alike); medians. */
function compare(a: () => number, b: () => number, runs = RUNS): [number, number] {
  a();
  b();
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < runs; i++) {
    as.push(a());
    bs.push(b());
  }
  return [median(as), median(bs)];
}

const results: string[] = [];
const report = (name: string, rig: number, raw: number, target: string, ok: boolean, unit = "ms") =>
  results.push(`${name.padEnd(44)} rig ${rig.toFixed(1).padStart(8)}${unit}  raw ${raw.toFixed(1).padStart(8)}${unit}  ratio ${(rig / raw).toFixed(2)}  (${target}) ${ok ? "OK" : "over"}`);

function project(name: string, config: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "rigkit.config.ts"), config);
  return dir;
}

// --- docker exec ---------------------------------------------------------------------------
const dockerDir = project(
  "docker",
  `import { workflow, docker, env } from "rigkit";
export default workflow("d")
  .addProvider("docker", docker({ host: env("RIGKIT_TEST_DOCKER_HOST"), network: "none" }))
  .task("image", async ({ providers }) => ({ ctx: { image: await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async () => {}) } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  });
`,
);
const container = JSON.parse(run([RIG, "create", "b1", "--json"], dockerDir).out).workspaces[0].ctx.container as string;
{
  const [rig, raw] = compare(
    () => run([RIG, "exec", "b1", "--", "true"], dockerDir).ms,
    () => run(["docker", "exec", container, "true"]).ms,
  );
  report("rig exec ws -- true / docker exec C true", rig, raw, "≤ 1.3×", rig / raw <= 1.3);
}

// --- forward throughput ----------------------------------------------------------------------
{
  const size = 100 * 1024 * 1024;
  run([RIG, "exec", "b1", "--", "sh", "-c", `mkdir -p /www && head -c ${size} /dev/zero > /www/big && httpd -p 127.0.0.1:8080 -h /www`], dockerDir);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = Bun.spawn([RIG, "forward", "b1", `8080:${port}`], { cwd: dockerDir, env, stdout: "pipe", stderr: "ignore" });
  const reader = proc.stdout.getReader();
  for (let seen = ""; !seen.includes("Ctrl-C"); ) seen += new TextDecoder().decode((await reader.read()).value);
  // curl, like the raw commands: an outside process reading into /dev/null.
  const download = async () => run(["curl", "-sf", "-o", "/dev/null", `http://127.0.0.1:${port}/big`], tmp, "ignore").ms;
  const runs = QUICK ? 3 : 5;
  const viaRig: number[] = [];
  const viaCat: number[] = [];
  const viaNc: number[] = [];
  for (let i = 0; i < runs; i++) {
    viaRig.push(await download());
    viaCat.push(run(["docker", "exec", container, "cat", "/www/big"], tmp, "ignore").ms);
    viaNc.push(run(["sh", "-c", `printf 'GET /big HTTP/1.0\\r\\n\\r\\n' | docker exec -i ${container} nc 127.0.0.1 8080 > /dev/null`]).ms);
  }
  proc.kill("SIGINT");
  await proc.exited;
  const mbps = (ms: number) => size / 1024 / 1024 / (ms / 1000);
  const [r, c, n] = [median(viaRig), median(viaCat), median(viaNc)];
  report("rig forward 100 MB / docker exec cat", mbps(r), mbps(c), "throughput ≥ 0.8×", mbps(r) / mbps(c) >= 0.8, "MB/s");
  report("rig forward 100 MB / docker exec -i nc", mbps(r), mbps(n), "same connector, no rig", true, "MB/s");
}
run([RIG, "rm", "--all", "--yes"], dockerDir);

// --- ssh exec --------------------------------------------------------------------------------
const sshDir = project(
  "ssh",
  `import { workflow, ssh, env } from "rigkit";
export default workflow("s")
  .addProvider("ssh", ssh({ configFile: env("RIGKIT_TEST_SSH_CONFIG"), hosts: [{ host: "rig-a", root: ${JSON.stringify(join(tmp, "remote"))} }] }))
  .task("base", async ({ providers }) => ({ ctx: { base: await providers.ssh.prepareDir("app") } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx),
  });
`,
);
run([RIG, "create", "s1"], sshDir);
{
  const sockets = join(tmp, "cm");
  mkdirSync(sockets);
  const ssh = ["ssh", "-F", services.RIGKIT_TEST_SSH_CONFIG ?? "", "-o", "BatchMode=yes", "-o", "ControlMaster=auto", "-o", `ControlPath=${sockets}/%C`, "-o", "ControlPersist=60", "rig-a", "true"];
  const [rig, raw] = compare(
    () => run([RIG, "exec", "s1", "--", "true"], sshDir).ms,
    () => run(ssh).ms,
  );
  report("rig exec ws -- true (ssh) / warm ssh host true", rig, raw, "≤ 1.3×", rig / raw <= 1.3);
}
run([RIG, "rm", "--all", "--yes"], sshDir);

// --- create --from of 20,000 files -----------------------------------------------------------
const localDir = project(
  "local",
  `import { workflow, local } from "rigkit";
export default workflow("l")
  .addProvider("local", local())
  .task("base", async ({ providers }) => ({ ctx: { base: providers.local.dirRef(providers.local.prepareDir("base")) } }))
  .workspace({
    create: async ({ workflow, providers }) => ({ dir: (await providers.local.createWorkspace({ from: workflow.ctx.base })).dir }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  });
`,
);
run([RIG, "create", "src"], localDir);
{
  const src = join(localDir, ".rigkit/workspaces/src");
  for (let d = 0; d < 200; d++) {
    mkdirSync(join(src, `d${d}`));
    for (let f = 0; f < 100; f++) writeFileSync(join(src, `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`);
  }
  let n = 0;
  const runs = QUICK ? 3 : 5;
  const [rig, raw] = compare(
    () => {
      const name = `fork${n++}`;
      const ms = run([RIG, "create", name, "--from", "src"], localDir).ms;
      run([RIG, "rm", name, "--yes"], localDir);
      return ms;
    },
    () => {
      const to = join(tmp, `copy${n++}`);
      const ms = run(["cp", "-a", src, to]).ms;
      rmSync(to, { recursive: true, force: true });
      return ms;
    },
    runs,
  );
  report("rig create --from (20,000 files) / cp -a", rig, raw, "≤ 1.1×", rig / raw <= 1.1);
}
run([RIG, "rm", "--all", "--yes"], localDir);

console.log(results.join("\n"));
rmSync(tmp, { recursive: true, force: true });
