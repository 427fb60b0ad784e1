/**
 * Clients benchmark: `rig mcp` and `rig serve` against the raw tools, as ratios of medians
 * of interleaved runs in one process (load drifts hit both sides alike).
 *
 *   exec tool of a warm `rig mcp` (Docker ws)        / docker exec C true     target ≤ 1.1×
 *   POST /workspaces/:ws/exec of `rig serve` (Docker) / docker exec C true     target ≤ 1.1×
 *   50 sequential MCP exec calls (local ws)           / 50 `rig exec` processes target ≤ 0.3×
 *
 * Needs the test services (scripts/test-services.sh). Usage: bun bench/clients.ts [--quick].
 * Targets are printed, never asserted.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const ROOT = resolve(import.meta.dir, "..");
const RIG = join(ROOT, "bin", "rig");
const RUNS = process.argv.includes("--quick") ? 7 : 21;

const services = Object.fromEntries(
  readFileSync(process.env.RIGKIT_TEST_SERVICES ?? "/tmp/rigkit-test-services/env", "utf8")
    .split("\n")
    .filter((l) => l.includes("="))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
) as Record<string, string>;
const tmp = mkdtempSync(join(tmpdir(), "rig-bench-clients-"));
const env: Record<string, string> = { ...(process.env as Record<string, string>), ...services, RIGKIT_HOME: join(tmp, "home"), NO_COLOR: "1", DOCKER_HOST: services.RIGKIT_TEST_DOCKER_HOST ?? "" };

function sh(argv: string[], cwd = tmp): string {
  const r = Bun.spawnSync(argv, { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`\`${argv.join(" ")}\` exited ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const time = async (fn: () => unknown) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};
/** Interleaved a, b, a, b…; each side's median, and the median of the per-pair ratios. */
async function compare(a: () => unknown, b: () => unknown, runs = RUNS) {
  await a();
  await b();
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < runs; i++) {
    as.push(await time(a));
    bs.push(await time(b));
  }
  return { a: median(as), b: median(bs), ratio: median(as.map((x, i) => x / (bs[i] as number))) };
}
const rows: string[] = [];
const report = (name: string, r: { a: number; b: number; ratio: number }, target: number, cmp: "≤") =>
  rows.push(`${name.padEnd(52)} rig ${r.a.toFixed(1).padStart(8)}ms  raw ${r.b.toFixed(1).padStart(8)}ms  ratio ${r.ratio.toFixed(2)}  (target ${cmp} ${target}×) ${r.ratio <= target ? "OK" : "over"}`);

function project(name: string, config: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "rigkit.config.ts"), config);
  return dir;
}

async function mcpClient(dir: string) {
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(new StdioClientTransport({ command: RIG, args: ["mcp", "--chdir", dir], env, stderr: "ignore" }));
  return client;
}

try {
  // --- Docker: one workspace, one container --------------------------------------------------
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
  const created = JSON.parse(sh([RIG, "create", "c1", "--json"], dockerDir));
  const container = created.workspaces[0].ctx.container as string;
  const dockerExec = () => sh(["docker", "exec", container, "true"]);

  const mcp = await mcpClient(dockerDir);
  const mcpExec = async () => {
    const r = (await mcp.callTool({ name: "exec", arguments: { workspace: "c1", argv: ["true"] } })) as { isError?: boolean };
    if (r.isError) throw new Error(JSON.stringify(r));
  };
  report("exec tool, warm rig mcp (Docker) / docker exec", await compare(mcpExec, dockerExec), 1.1, "≤");
  await mcp.close();

  const serve = Bun.spawn([RIG, "serve", "--json"], { cwd: dockerDir, env, stdout: "pipe", stderr: "ignore" });
  const reader = (serve.stdout as ReadableStream<Uint8Array>).getReader();
  const { url, tokenFile } = JSON.parse(new TextDecoder().decode((await reader.read()).value)) as { url: string; tokenFile: string };
  const token = readFileSync(tokenFile, "utf8").trim();
  const httpExec = async () => {
    const r = await fetch(`${url}/workspaces/c1/exec`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ argv: ["true"] }) });
    if (r.status !== 200) throw new Error(await r.text());
    await r.arrayBuffer();
  };
  report("POST /workspaces/c1/exec, rig serve (Docker) / docker exec", await compare(httpExec, dockerExec), 1.1, "≤");
  serve.kill("SIGINT");
  await serve.exited;
  sh([RIG, "rm", "c1", "--yes"], dockerDir);

  // --- local: 50 sequential calls --------------------------------------------------------------
  const localDir = project(
    "local",
    `import { workflow, local } from "rigkit";
export default workflow("app")
  .addProvider("local", local())
  .task("base", async ({ providers }) => ({ ctx: { base: providers.local.dirRef(providers.local.prepareDir("base")) } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  });
`,
  );
  sh([RIG, "create", "w1"], localDir);
  const local = await mcpClient(localDir);
  const fiftyMcp = async () => {
    for (let i = 0; i < 50; i++) await local.callTool({ name: "exec", arguments: { workspace: "w1", argv: ["true"] } });
  };
  const fiftyRig = () => {
    for (let i = 0; i < 50; i++) sh([RIG, "exec", "w1", "--", "true"], localDir);
  };
  report("50 MCP exec calls (local) / 50 rig exec processes", await compare(fiftyMcp, fiftyRig, Math.max(3, Math.floor(RUNS / 4))), 0.3, "≤");
  await local.close();
  sh([RIG, "rm", "w1", "--yes"], localDir);
} finally {
  console.log(rows.join("\n"));
  rmSync(tmp, { recursive: true, force: true });
}
