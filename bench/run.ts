/**
 * The rig benchmark: every row of the speed table (issue 13), each a ratio of a rig
 * command to the raw work it does, measured *interleaved* in the same run (rig, raw,
 * rig, raw, …) so machine load hits both sides alike. Each row prints the min, median
 * and max of the per-pair ratios, the median milliseconds of both sides, and the goal.
 *
 * Rows that need the test services (Docker, sshd: scripts/test-services.sh start) or a
 * comparison tool that is not installed (the devcontainer CLI, Vagrant) say "skipped".
 * `bun bench/run.ts --setup` installs the devcontainer CLI into bench/.tools/ (never a
 * dependency of rigkit, never in CI) and, as root on Debian, Vagrant from Debian's
 * packages; Vagrant is used when it is on PATH.
 *
 * `--baseline <bin/rig>` times another build (an older checkout) in the same loop, so a
 * before/after comparison sees the same load: its ratios print beside the current ones.
 *
 * Usage: bun bench/run.ts [--quick] [--setup] [--only <substring>] [--rig <bin/rig>] [--baseline <bin/rig>]. Exits non-zero only
 * if a command fails; goals are printed as OK/over, never asserted.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { nodeProject } from "../test/fixtures/projects.ts";

const ROOT = resolve(import.meta.dir, "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const TOOLS = join(import.meta.dir, ".tools");
const args = process.argv.slice(2);
/** `--rig <path>`: benchmark another build (e.g. an older checkout) with the same rows. */
const RIG = args.includes("--rig") ? resolve(args[args.indexOf("--rig") + 1] as string) : join(ROOT, "bin", "rig");
const BASELINE = args.includes("--baseline") ? resolve(args[args.indexOf("--baseline") + 1] as string) : undefined;
const QUICK = args.includes("--quick");
const ONLY = args.includes("--only") ? (args[args.indexOf("--only") + 1] ?? "") : "";
const PAIRS = QUICK ? 5 : 11;

if (args.includes("--setup")) {
  mkdirSync(TOOLS, { recursive: true });
  const npm = Bun.spawnSync(["npm", "install", "--no-audit", "--no-fund", "--prefix", TOOLS, "@devcontainers/cli@0.89"], { stdout: "inherit", stderr: "inherit" });
  // Vagrant from Debian's packages (2.3.4 on bookworm), only as root and only here.
  let apt = 0;
  const hasVagrant = Bun.spawnSync(["sh", "-c", "command -v vagrant"], { stdout: "ignore" }).exitCode === 0;
  if (!hasVagrant && process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    apt = Bun.spawnSync(["apt-get", "install", "-y", "--no-install-recommends", "vagrant"], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, stdout: "inherit", stderr: "inherit" }).exitCode ?? 1;
  } else if (!hasVagrant) console.error("bench: install Vagrant yourself for its row (e.g. apt-get install vagrant)");
  process.exit((npm.exitCode ?? 1) || apt);
}

const tmp = mkdtempSync(join(tmpdir(), "rig-bench-"));
const services: Record<string, string> = (() => {
  try {
    const file = process.env.RIGKIT_TEST_SERVICES ?? "/tmp/rigkit-test-services/env";
    return Object.fromEntries(readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  } catch {
    return {};
  }
})();
const env: Record<string, string | undefined> = {
  ...process.env,
  ...services,
  NO_COLOR: "1",
  RIGKIT_HOME: join(tmp, "home"),
  DOCKER_HOST: services.RIGKIT_TEST_DOCKER_HOST ?? process.env.DOCKER_HOST,
};

/** Runs argv, returns elapsed ms; throws (ending the benchmark) if it fails. */
function run(argv: string[], cwd = tmp): number {
  const start = performance.now();
  const r = Bun.spawnSync(argv, { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - start;
  if (r.exitCode !== 0) throw new Error(`\`${argv.join(" ")}\` in ${cwd} exited ${r.exitCode ?? r.signalCode}: ${r.stderr.toString() || r.stdout.toString()}`);
  return ms;
}
const ok = (argv: string[]) => Bun.spawnSync(argv, { env, stdout: "ignore", stderr: "ignore" }).exitCode === 0;
const which = (name: string, ...extra: string[]) => [...extra, ...(process.env.PATH ?? "").split(":").map((d) => join(d, name))].find((p) => existsSync(p));

interface Side {
  /** One timed run, in ms. */
  time: () => number;
  /** Untimed, after each timed run (undo a create, …). */
  reset?: () => void;
}
interface Row {
  what: string;
  goal: number;
  ratios?: number[];
  baseRatios?: number[];
  rigMs?: number;
  rawMs?: number;
  note?: string;
}
const rows: Row[] = [];
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)] as number;

/** A rig side, for a build (`bin`) and the workspace name it may create and remove. */
type RigSide = (bin: string, ws: string) => Side;

/** rig (and the baseline build) and raw alternately, one warm-up round first; the ratio of each pair. */
function pairs(what: string, goal: number, rigSide: RigSide, raw: Side, n = PAIRS, baseline = true): void {
  process.stderr.write(`  ${what}…\n`);
  const rig = rigSide(RIG, "w");
  let base = BASELINE && baseline ? rigSide(BASELINE, "wb") : undefined;
  const rigMs: number[] = [];
  const baseMs: number[] = [];
  const rawMs: number[] = [];
  for (let i = -1; i < n; i++) {
    const a = rig.time();
    rig.reset?.();
    let c: number | undefined;
    try {
      c = base?.time();
      base?.reset?.();
    } catch (error) {
      // An older build may lack the command: the row goes on without a baseline.
      process.stderr.write(`    baseline: ${(error as Error).message.split("\n")[0]}\n`);
      base = undefined;
      baseMs.length = 0;
    }
    const b = raw.time();
    raw.reset?.();
    if (i >= 0) rigMs.push(a), rawMs.push(b), c !== undefined && baseMs.push(c);
  }
  const ratio = (xs: number[]) => xs.map((x, i) => x / (rawMs[i] as number));
  rows.push({ what, goal, ratios: ratio(rigMs), baseRatios: base && baseMs.length ? ratio(baseMs) : undefined, rigMs: median(rigMs), rawMs: median(rawMs) });
}
const skip = (what: string, goal: number, note: string) => rows.push({ what, goal, note });
const wanted = (what: string) => what.toLowerCase().includes(ONLY.toLowerCase());
const bunZero: Side = { time: () => run([BUN, "-e", "0"]) };

function project(name: string, config: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "rigkit.config.ts"), config);
  return dir;
}

/** One task preparing a base of 20,000 files (200 directories of 100) and keeping its ref, as the `rig init` template does. */
const BASE_20K = `import { workflow, local } from "rigkit";
import { mkdirSync, writeFileSync } from "node:fs";
export default workflow("b").addProvider("local", local())
  .task("base", async ({ providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    for (let d = 0; d < 200; d++) {
      mkdirSync(dir + "/d" + d);
      for (let f = 0; f < 100; f++) writeFileSync(dir + "/d" + d + "/f" + f, String(f));
    }
    return { ctx: { base: providers.local.dirRef(dir) } };
  });`;

/** n chained tasks, one `wf = wf.task(…)` statement each (a 10,000-link `.task().task()` chain overflows Bun's parser stack). */
const chain = (n: number) =>
  `import { workflow } from "rigkit";\nlet wf: any = workflow("bench");\n${Array.from({ length: n }, (_, i) => `wf = wf.task("t${i}", async ({ step }) => ({ ctx: { n: (step.ctx.n ?? 0) + 1, last: ${i} } }));`).join("\n")}\nexport default wf;\n`;

const ACTIONS = `import { workflow, z } from "rigkit";
export default workflow("bench")
  .task("t", async () => ({ ctx: { ok: true } }))
  .workspace({ create: async ({ workspace }) => ({ name: workspace.name }), remove: async () => {} })
  .workspaceOperation("exec", { input: z.object({ command: z.string(), level: z.enum(["a", "b"]).default("a") }), run: async () => null });
`;

/**
 * `rig forward` throughput: 100 MB into a port of the workspace container (busybox nc
 * discarding it) through `rig forward`, against the same bytes piped straight into
 * `docker exec -i C nc 127.0.0.1 <port>` (the connector rig itself starts per connection).
 */
function forwardRow(dir: string, container: string): void {
  const MB = 100;
  run(["docker", "exec", "-d", container, "sh", "-c", "while :; do nc -l -p 9000 > /dev/null; done"]);
  const client = join(tmp, "forward-client.ts");
  writeFileSync(
    client,
    `import { connect } from "node:net";
const payload = new Uint8Array(${MB} << 20);
const socket = connect(Number(process.argv[2]), "127.0.0.1", () => socket.end(payload));
socket.on("close", () => process.exit(0));
socket.on("error", (e) => { console.error(e.message); process.exit(1); });
setTimeout(() => { console.error("timeout"); process.exit(1); }, 120_000);`,
  );
  const payload = new Uint8Array(MB << 20);
  // The listener in the container restarts after each connection: a pause lets it.
  const settle = () => Bun.sleepSync(300);
  const raw: Side = {
    time: () => {
      const start = performance.now();
      const r = Bun.spawnSync(["docker", "exec", "-i", container, "nc", "127.0.0.1", "9000"], { env, stdin: payload, stdout: "ignore", stderr: "pipe" });
      if (r.exitCode !== 0) throw new Error(`docker exec nc exited ${r.exitCode}: ${r.stderr.toString()}`);
      return performance.now() - start;
    },
    reset: settle,
  };
  const forwards: Bun.Subprocess[] = [];
  const side = (bin: string, ws: string): Side => {
    const port = ws === "w" ? 19000 : 19001;
    const forward = Bun.spawn([bin, "forward", "w", `9000:${port}`], { cwd: dir, env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    forwards.push(forward);
    // Ready once the local port accepts a connection (an empty one: nc just sees EOF).
    for (let i = 0; i < 200 && Bun.spawnSync([BUN, client.replace(/\.ts$/, "-probe.ts"), String(port)]).exitCode !== 0; i++) Bun.sleepSync(100);
    settle();
    return { time: () => run([BUN, client, String(port)]), reset: settle };
  };
  writeFileSync(client.replace(/\.ts$/, "-probe.ts"), `import { connect } from "node:net";\nconst s = connect(Number(process.argv[2]), "127.0.0.1", () => { s.end(); process.exit(0); });\ns.on("error", () => process.exit(1));`);
  try {
    pairs(`rig forward, ${MB} MB into the container / docker exec -i C nc (same bytes)`, 1.3, side, raw, QUICK ? 3 : 5, false);
  } finally {
    for (const forward of forwards) forward.kill("SIGINT");
  }
}

try {
  process.stderr.write(`bench: ${PAIRS} interleaved pairs per row, after one warm-up pair\n`);

  // --- start-up -------------------------------------------------------------------------
  if (wanted("version")) pairs("rig --version / bun -e 0", 1.5, (bin) => ({ time: () => run([bin, "--version"]) }), bunZero);
  if (wanted("action") || wanted("complete")) {
    const dir = project("actions", ACTIONS);
    run([RIG, "create", ...Array.from({ length: 500 }, (_, i) => `ws${i + 1}`)], dir);
    if (wanted("action")) pairs("workspace action, zod input, does nothing / bun -e 0", 4, (bin) => ({ time: () => run([bin, "ws1/exec", "--command", "true"], dir) }), bunZero);
    if (wanted("complete")) pairs("rig __complete (500 workspaces) / bun -e 0", 2, (bin) => ({ time: () => run([bin, "__complete", "--", "ws"], dir) }), bunZero);
  }
  for (const [n, goal] of [[1000, 6], [10000, 35]] as const) {
    const what = `no-op rig plan, ${n.toLocaleString("en")} cached tasks / bun -e 0`;
    if (!wanted(what)) continue;
    const dir = project(`tasks-${n}`, chain(n));
    run([RIG, "apply"], dir);
    pairs(what, goal, (bin) => ({ time: () => run([bin, "plan"], dir) }), bunZero, n >= 10000 ? Math.ceil(PAIRS / 2) : PAIRS);
  }

  // --- rig init's Node template ---------------------------------------------------------
  // A one-line source edit reruns the copy of the sources over the installed dependencies,
  // never the install: re-apply after it against re-apply after no edit (README "rig init").
  const editRow = "rig apply after a one-line source edit / rig apply after no edit (rig init's Node template)";
  if (wanted(editRow)) {
    const app = nodeProject(join(tmp, "node-template"));
    run([RIG, "init"], app);
    run([RIG, "apply"], app);
    let edits = 0;
    const edit = () => writeFileSync(join(app, "src", "message.txt"), `edit ${++edits}\n`);
    edit();
    // The edit is made after each no-edit apply (untimed), so the next rig side applies it.
    pairs(editRow, 3, (bin) => ({ time: () => run([bin, "apply"], app) }), { time: () => run([RIG, "apply"], app), reset: edit }, PAIRS, false);
  }

  // A cached run whose output names a 20,000-file base: plan checks the base still holds
  // what that run made (one stat walk; README "Correct reuse"). With --baseline, each
  // build plans its own copy of the project (their state files' schemas may differ).
  {
    const what = "no-op rig plan, 1 cached task over a 20,000-file base / bun -e 0";
    if (wanted(what)) {
      const base = (name: string, bin: string) => {
        const dir = project(name, BASE_20K);
        run([bin, "apply"], dir);
        return dir;
      };
      const dirs = new Map([[RIG, base("base-20k", RIG)], ...(BASELINE ? [[BASELINE, base("base-20k-baseline", BASELINE)] as const] : [])]);
      pairs(what, 6, (bin) => ({ time: () => run([bin, "plan"], dirs.get(bin) as string) }), bunZero);
    }
  }

  // --- docker ---------------------------------------------------------------------------
  const image = services.RIGKIT_TEST_DOCKER_IMAGE;
  const dockerUp = Boolean(image) && ok(["docker", "version"]);
  const dockerRows = ["docker exec", "forward", "docker rm", "devcontainer", "vagrant"];
  if (!dockerUp) for (const what of dockerRows.filter(wanted)) skip(`${what} rows`, 0, "skipped: no Docker test service (scripts/test-services.sh start)");
  else if (dockerRows.some(wanted)) {
    const dir = project(
      "docker",
      `import { workflow, docker, z } from "rigkit";
export default workflow("b").addProvider("docker", docker({ network: "none" }))
  .task("image", async ({ providers }) => ({ ctx: { image: await providers.docker.build({ from: ${JSON.stringify(image)} }, async (c) => { await c.exec("true"); }) } }))
  .workspace({ create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image }), remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container) })
  .workspaceOperation("exec", { input: z.object({ command: z.string() }), run: async ({ input, workspace, providers }) => (await providers.docker.exec(workspace.ctx.container, input.command)).exitCode });`,
    );
    run([RIG, "apply"], dir);
    const raw = "rigkit-bench-raw";
    const rawRun = () => run(["docker", "run", "-d", "--network", "none", "--name", raw, image as string, "sleep", "3600"]);
    if (wanted("docker exec") || wanted("forward")) {
      run([RIG, "create", "w"], dir);
      const container = JSON.parse(Bun.spawnSync([RIG, "ls", "--json"], { cwd: dir, env, stdout: "pipe" }).stdout.toString()).workspaces[0].ctx.container;
      const dockerExec: Side = { time: () => run(["docker", "exec", container, "true"]) };
      if (wanted("docker exec")) {
        pairs("rig exec w -- true (Docker) / docker exec C true", 1.3, (bin) => ({ time: () => run([bin, "exec", "w", "--", "true"], dir) }), dockerExec);
        pairs("rig w/exec --command true (Docker operation) / docker exec C true", 1.3, (bin) => ({ time: () => run([bin, "w/exec", "--command", "true"], dir) }), dockerExec);
      }
      if (wanted("forward")) {
        try {
          forwardRow(dir, container);
        } catch (error) {
          skip("rig forward throughput", 1.3, `failed: ${(error as Error).message.split("\n")[0]}`);
        }
      }
      run([RIG, "rm", "w", "--yes"], dir);
    }
    if (wanted("docker rm")) {
      run([RIG, "create", "w", ...(BASELINE ? ["wb"] : [])], dir);
      rawRun();
      pairs(
        "rig rm (Docker) / docker rm -f",
        1.5,
        (bin, ws) => ({ time: () => run([bin, "rm", ws, "--yes"], dir), reset: () => run([bin, "create", ws], dir) }),
        { time: () => run(["docker", "rm", "-f", raw]), reset: rawRun },
      );
      run([RIG, "rm", "w", ...(BASELINE ? ["wb"] : []), "--yes"], dir);
      run(["docker", "rm", "-f", raw]);
    }
    const devcontainer = which("devcontainer", join(TOOLS, "node_modules", ".bin", "devcontainer"));
    if (!wanted("devcontainer")) {
      // not asked for
    } else if (!devcontainer) skip("rig create (Docker) / devcontainer up", 0.33, "skipped: devcontainer CLI not installed (bun bench/run.ts --setup)");
    else {
      const folder = join(tmp, "devcontainer");
      mkdirSync(join(folder, ".devcontainer"), { recursive: true });
      writeFileSync(
        join(folder, ".devcontainer", "devcontainer.json"),
        JSON.stringify({ image, runArgs: ["--network", "none"], overrideCommand: true, updateRemoteUserUID: false }),
      );
      const down = () => Bun.spawnSync(["sh", "-c", `docker rm -f $(docker ps -aq --filter label=devcontainer.local_folder=${folder}) 2>/dev/null`], { env, stdout: "ignore", stderr: "ignore" });
      pairs(
        "rig create (Docker, cached snapshot) / devcontainer up",
        0.33,
        (bin, ws) => ({ time: () => run([bin, "create", ws], dir), reset: () => run([bin, "rm", ws, "--yes"], dir) }),
        { time: () => run([devcontainer, "up", "--workspace-folder", folder, "--skip-post-create"]), reset: down },
        QUICK ? 3 : 5,
      );
    }
    const vagrant = which("vagrant");
    if (!wanted("vagrant")) {
      // not asked for
    } else if (!vagrant) skip("rig create (Docker, cached snapshot) / vagrant up (docker provider)", 0.15, "skipped: Vagrant not installed (bun bench/run.ts --setup, as root on Debian)");
    else {
      // The same image, command and network through Vagrant's docker provider; no synced
      // folder, no ssh, no version check (nothing leaves the machine).
      const folder = join(tmp, "vagrant");
      mkdirSync(folder, { recursive: true });
      writeFileSync(
        join(folder, "Vagrantfile"),
        `Vagrant.configure("2") do |config|
  config.vm.synced_folder ".", "/vagrant", disabled: true
  config.vm.provider "docker" do |d|
    d.image = ${JSON.stringify(image)}
    d.cmd = ["sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"]
    d.create_args = ["--network", "none"]
    d.has_ssh = false
    d.remains_running = true
  end
end
`,
      );
      const vagrantEnv = { ...env, VAGRANT_HOME: join(tmp, "vagrant-home"), VAGRANT_CHECKPOINT_DISABLE: "1" };
      const inFolder = (args: string[]) => {
        const start = performance.now();
        const r = Bun.spawnSync([vagrant, ...args], { cwd: folder, env: vagrantEnv, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
        if (r.exitCode !== 0) throw new Error(`vagrant ${args.join(" ")} exited ${r.exitCode}: ${r.stderr.toString() || r.stdout.toString()}`);
        return performance.now() - start;
      };
      try {
        pairs(
          "rig create (Docker, cached snapshot) / vagrant up (docker provider)",
          0.15,
          (bin, ws) => ({ time: () => run([bin, "create", ws], dir), reset: () => run([bin, "rm", ws, "--yes"], dir) }),
          { time: () => inFolder(["up", "--provider=docker"]), reset: () => void inFolder(["destroy", "-f"]) },
          QUICK ? 3 : 5,
        );
      } finally {
        Bun.spawnSync([vagrant, "destroy", "-f"], { cwd: folder, env: vagrantEnv, stdout: "ignore", stderr: "ignore" });
      }
    }
  }

  // --- ssh ------------------------------------------------------------------------------
  const sshConfig = services.RIGKIT_TEST_SSH_CONFIG;
  if (!wanted("ssh")) {
    // not asked for
  } else if (!sshConfig || !ok(["ssh", "-F", sshConfig, "rig-a", "true"])) skip("ssh action, warm / ssh host true, warm", 1.3, "skipped: no sshd test service");
  else {
    const dir = project(
      "ssh",
      `import { workflow, ssh, z } from "rigkit";
export default workflow("b").addProvider("ssh", ssh({ hosts: [{ host: "rig-a", root: ${JSON.stringify(join(tmp, "remote"))} }], configFile: process.env.RIGKIT_TEST_SSH_CONFIG }))
  .task("base", async ({ providers }) => ({ ctx: { base: await providers.ssh.prepareDir("b") } }))
  .workspace({ create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }), remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx) })
  .workspaceOperation("exec", { input: z.object({ command: z.string() }), run: async ({ input, workspace, providers }) => (await providers.ssh.exec(workspace.ctx.host, input.command, { cwd: workspace.ctx.dir })).exitCode });`,
    );
    run([RIG, "create", "ws1"], dir);
    const sockets = join(tmp, "sockets");
    mkdirSync(sockets, { mode: 0o700 });
    const warm = ["ssh", "-F", sshConfig, "-o", "ControlMaster=auto", "-o", `ControlPath=${sockets}/%C`, "-o", "ControlPersist=60", "rig-a", "true"];
    run(warm);
    pairs("ssh action, connection open / warm multiplexed ssh host true", 1.3, (bin) => ({ time: () => run([bin, "ws1/exec", "--command", "true"], dir) }), { time: () => run(warm) });
    run([RIG, "rm", "ws1", "--yes"], dir);
    Bun.spawnSync(["ssh", "-F", sshConfig, "-o", `ControlPath=${sockets}/%C`, "-O", "exit", "rig-a"], { env, stdout: "ignore", stderr: "ignore" });
  }

  // --- local: 20,000 files --------------------------------------------------------------
  if (wanted("local")) {
    const dir = project(
      "local",
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
    run([RIG, "create", "probe"], dir);
    const method = JSON.parse(Bun.spawnSync([RIG, "ls", "--json"], { cwd: dir, env, stdout: "pipe" }).stdout.toString()).workspaces[0].ctx.method;
    run([RIG, "rm", "probe", "--yes"], dir);
    const copy = join(tmp, "copy");
    pairs(
      `local rig create from a 20,000-file base (${method}) / cp -a`,
      0.1,
      (bin, ws) => ({ time: () => run([bin, "create", ws], dir), reset: () => run([bin, "rm", ws, "--yes"], dir) }),
      { time: () => run(["cp", "-a", join(dir, ".rigkit/base/base"), copy]), reset: () => rmSync(copy, { recursive: true, force: true }) },
      QUICK ? 3 : 5,
    );
  }

  // --- local: what isolation costs ------------------------------------------------------
  // `rig exec w -- true` in an isolated workspace (its own mount namespace, src/host/isolate.ts)
  // against the same command with isolation off (RIGKIT_LOCAL_ISOLATION=never, a workspace
  // made that way): the namespace's whole cost, goal at most 15 %.
  if (wanted("isolat")) {
    const dir = project(
      "isolation",
      `import { workflow, local } from "rigkit";
export default workflow("b").addProvider("local", local())
  .task("base", async ({ providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    await providers.local.exec("echo hi > f.txt", { cwd: dir });
    return { ctx: { base: providers.local.dirRef(dir) } };
  })
  .workspace({ create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }), remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir) });`,
    );
    const never = { ...env, RIGKIT_LOCAL_ISOLATION: "never" };
    const timed = (argv: string[], vars: Record<string, string | undefined>) => {
      const start = performance.now();
      const r = Bun.spawnSync(argv, { cwd: dir, env: vars, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      if (r.exitCode !== 0) throw new Error(`\`${argv.join(" ")}\` exited ${r.exitCode}: ${r.stderr.toString()}`);
      return performance.now() - start;
    };
    timed([RIG, "create", "iso"], env);
    timed([RIG, "create", "plain"], never);
    const isolatedBy = process.getuid?.() === 0 ? "namespace" : "bwrap";
    pairs(
      `local rig exec w -- true, isolated (${isolatedBy}) / not isolated`,
      1.15,
      (bin) => ({ time: () => timed([bin, "exec", "iso", "--", "true"], env) }),
      { time: () => timed([RIG, "exec", "plain", "--", "true"], never) },
      QUICK ? 11 : 31,
      false,
    );
  }

} finally {
  Bun.spawnSync(["docker", "rm", "-f", "rigkit-bench-raw"], { env, stdout: "ignore", stderr: "ignore" });
  // Workspaces the benchmark made are removed above; a failed run may leave a mount behind.
  for (const line of existsSync("/proc/self/mountinfo") ? readFileSync("/proc/self/mountinfo", "utf8").split("\n") : []) {
    const point = line.split(" ")[4];
    if (point?.startsWith(`${tmp}/`)) Bun.spawnSync(["umount", "-l", point]);
  }
  rmSync(tmp, { recursive: true, force: true });
}

const fmt = (x: number) => `${x.toFixed(2)}x`;
const spread = (xs: number[]) => `${fmt(Math.min(...xs))} / ${fmt(median(xs))} / ${fmt(Math.max(...xs))}`;
const table = [
  ["measure", "min / median / max", ...(BASELINE ? ["baseline min / median / max"] : []), "rig ms", "raw ms", "goal", ""],
  ...rows.map((r) =>
    r.ratios
      ? [r.what, spread(r.ratios), ...(BASELINE ? [r.baseRatios ? spread(r.baseRatios) : "n/a"] : []), r.rigMs?.toFixed(1) ?? "", r.rawMs?.toFixed(1) ?? "", `<= ${r.goal}x`, median(r.ratios) <= r.goal ? "OK" : "over"]
      : [r.what, "", ...(BASELINE ? [""] : []), "", "", r.goal ? `<= ${r.goal}x` : "", r.note ?? ""],
  ),
];
const numeric = BASELINE ? 4 : 3;
const widths = (table[0] as string[]).map((_, c) => Math.max(...table.map((row) => (row[c] as string).length)));
const line = (row: string[]) => row.map((cell, c) => (c >= 1 && c <= numeric ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join("  ").trimEnd();
console.log(`\nrig benchmark${QUICK ? " (--quick)" : ""}: Bun ${Bun.version}, ${process.platform}/${process.arch}, ratios of ${PAIRS} interleaved pairs${BASELINE ? `; baseline ${BASELINE}` : ""}\n`);
console.log(line(table[0] as string[]));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of table.slice(1)) console.log(line(row as string[]));
