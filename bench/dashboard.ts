/**
 * Dashboard benchmark (issue 21), measured in headless chromium against the real
 * `rig serve`, reported, never asserted:
 *
 * - first meaningful paint (the workspace list on screen) and the graph drawn, with 200
 *   workspaces and a 1,000-task workflow (40 parallel blocks of 25 one-task branches,
 *   the shape a layout finds hardest; each branch returns an empty context, so the joined
 *   context grows by 25 keys a block, not 25-fold), from navigation start (target: paint < 1 s);
 * - the event stream during an apply of those 1,000 cached tasks started from the page:
 *   every `task.cached` must arrive (counted in the page), and how long the apply took.
 *
 * Usage: bun bench/dashboard.ts [--quick] (needs /usr/bin/chromium).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import puppeteer from "puppeteer-core";

const ROOT = resolve(import.meta.dir, "..");
const RIG = join(ROOT, "bin", "rig");
const RUNS = process.argv.includes("--quick") ? 2 : 5;
const BLOCKS = 40;
const BRANCHES = 25;
const WORKSPACES = 200;
const tmp = mkdtempSync(join(tmpdir(), "rig-bench-dashboard-"));
const env = { ...process.env, RIGKIT_HOME: join(tmp, "home"), NO_COLOR: "1" } as Record<string, string>;

const config = `import { workflow } from "rigkit";
let w = workflow("big");
for (let b = 0; b < ${BLOCKS}; b++) {
  const branches = {};
  for (let i = 0; i < ${BRANCHES}; i++) branches["b" + b + "t" + i] = (s) => s.task("step", async () => ({ ctx: {} }));
  w = w.parallel(branches);
}
export default w.workspace({ create: async ({ workspace }) => ({ dir: "/srv/" + workspace.name }), remove: async () => {} });
`;

const dir = join(tmp, "project");
Bun.spawnSync(["mkdir", "-p", dir]);
writeFileSync(join(dir, "rigkit.config.ts"), config);
const sh = (args: string[]) => {
  const r = Bun.spawnSync([RIG, ...args], { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`rig ${args.join(" ")}: ${r.stderr.toString()}`);
};
let started = performance.now();
sh(["apply"]);
console.error(`setup: applied ${BLOCKS * BRANCHES} tasks in ${Math.round(performance.now() - started)} ms`);
started = performance.now();
const names = Array.from({ length: WORKSPACES }, (_, i) => `ws${i + 1}`);
sh(["create", ...names, "--concurrency", "8"]);
console.error(`setup: created ${WORKSPACES} workspaces in ${Math.round(performance.now() - started)} ms`);

const server = Bun.spawn([RIG, "serve", "--port", "0", "--json"], { cwd: dir, env, stdout: "pipe", stderr: "inherit" });
const reader = server.stdout.getReader();
let line = "";
while (!line.includes("\n")) line += new TextDecoder().decode((await reader.read()).value);
const { url, tokenFile } = JSON.parse(line) as { url: string; tokenFile: string };
const token = (await Bun.file(tokenFile).text()).trim();

const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${join(tmp, "chromium")}`, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${url}/?token=${token}`); // the cookie; the measured loads follow
  await page.waitForSelector("body[data-ready=true]", { timeout: 120_000 });
  const paints: number[] = [];
  const graphs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.reload();
    await page.waitForSelector("body[data-ready=true]", { timeout: 120_000 });
    const [paint, graph] = await page.evaluate(() => ["rig:workspaces", "rig:graph"].map((m) => performance.getEntriesByName(m)[0]?.startTime ?? Number.NaN));
    paints.push(paint as number);
    graphs.push(graph as number);
  }
  const rows = await page.$$eval("tr[data-workspace]", (els) => els.length);
  const nodes = await page.$$eval("#graph g.node[data-state]", (els) => els.length);
  console.log(`dashboard first meaningful paint (${rows} workspaces listed): median ${Math.round(median(paints))} ms over ${RUNS} loads (target < 1000 ms)`);
  console.log(`dashboard graph drawn (${nodes} task nodes laid out by dagre): median ${Math.round(median(graphs))} ms`);

  started = performance.now();
  const before = await page.evaluate(() => (window as unknown as { rigEvents: { byType: Record<string, number> } }).rigEvents.byType["task.cached"] ?? 0);
  await page.click("#apply-button");
  await page.waitForFunction(() => ((window as unknown as { rigEvents: { byType: Record<string, number> } }).rigEvents.byType["apply.finished"] ?? 0) >= 1, { timeout: 120_000, polling: 50 });
  const applyMs = performance.now() - started;
  const counted = (await page.evaluate(() => (window as unknown as { rigEvents: { byType: Record<string, number> } }).rigEvents.byType["task.cached"] ?? 0)) - before;
  const painted = await page.$$eval('#graph g.node[data-state="cached"]', (els) => els.length);
  console.log(`event stream, apply of ${BLOCKS * BRANCHES} cached tasks from the page: ${counted}/${BLOCKS * BRANCHES} task.cached events received, ${painted} nodes cached after, ${Math.round(applyMs)} ms click → apply.finished in the page${counted === BLOCKS * BRANCHES ? "" : "  DROPPED EVENTS"}`);
} finally {
  await browser.close();
  server.kill("SIGINT");
  await server.exited;
  rmSync(tmp, { recursive: true, force: true });
}
