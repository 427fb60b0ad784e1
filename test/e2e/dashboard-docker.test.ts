/// <reference lib="dom" />
/**
 * The dashboard's workspace list against the real Docker engine: a container stopped or
 * removed behind rig's back shows as `stopped` / `missing` (the live status, not the record),
 * and comes back through the Start button. `rig ui` opens the running server's link.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type TestBrowser, openBrowser, requireChromium } from "../browser.ts";
import { project, rig } from "../helpers.ts";
import { services } from "../services.ts";
import { dockerWorkspaceConfig } from "./fixtures.ts";
import { type Served, serve } from "./fixtures-dashboard.ts";

const svc = services("docker");
const run = requireChromium() && svc !== null;
const TIMEOUT = 90_000;

describe.skipIf(!run)("dashboard with Docker workspaces", () => {
  const env = { RIGKIT_TEST_DOCKER_HOST: svc?.dockerHost ?? "", RIGKIT_TEST_DOCKER_IMAGE: svc?.dockerImage ?? "" };
  const docker = (...args: string[]) => Bun.spawnSync(["docker", ...args], { env: { ...process.env, DOCKER_HOST: env.RIGKIT_TEST_DOCKER_HOST } });
  let dir: string;
  let server: Served;
  let b: TestBrowser;

  beforeAll(async () => {
    dir = project({ "rigkit.config.ts": dockerWorkspaceConfig() });
    const created = await rig(["create", "box1", "box2", "box3", "--json"], { cwd: dir, env });
    expect(created.exitCode).toBe(0);
    server = await serve(dir, { ...env, RIGKIT_SERVE_STATUS_MS: "500" });
    b = await openBrowser(server.url);
  }, TIMEOUT);
  afterAll(async () => {
    await b?.close();
    await server?.stop();
    await rig(["rm", "--all", "--yes", "--force"], { cwd: dir, env });
  }, TIMEOUT);

  const rowStatus = (name: string) => b.page.$eval(`tr[data-workspace="${name}"]`, (e) => e.getAttribute("data-status"));

  test("statuses are the live ones after docker stop / rm behind rig's back", async () => {
    await b.page.goto(`${server.url}/?token=${server.token}`);
    await b.page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
    for (const name of ["box1", "box2", "box3"]) expect(await rowStatus(name)).toBe("ready");
    const ctx = (await rig(["ls", "--json"], { cwd: dir, env })).json().workspaces as { name: string; ctx: { container: string } }[];
    const container = (name: string) => ctx.find((w) => w.name === name)?.ctx.container as string;
    expect(await b.page.$eval('tr[data-workspace="box1"] td.where', (e) => e.textContent)).toContain(`container ${container("box1").slice(0, 12)}`);
    expect(await b.page.$eval('tr[data-workspace="box1"]', (e) => e.textContent)).toContain("docker");
    await b.shot("docker-ready");

    expect(docker("stop", "-t", "0", container("box2")).exitCode).toBe(0);
    expect(docker("rm", "-f", container("box3")).exitCode).toBe(0);
    // The server notices (it asks the providers while a page listens) and the page follows, without a reload.
    await b.page.waitForSelector('tr[data-workspace="box2"][data-status="stopped"]', { timeout: 30_000 });
    await b.page.waitForSelector('tr[data-workspace="box3"][data-status="missing"]', { timeout: 30_000 });
    expect(await rowStatus("box1")).toBe("ready");
    // Text, not only colour.
    expect(await b.page.$eval('tr[data-workspace="box2"] [data-role=status]', (e) => e.textContent)).toBe("stopped");
    await b.shot("docker-stopped");
    // A fresh load shows the same.
    await b.page.reload();
    await b.page.waitForSelector("body[data-ready=true]");
    expect([await rowStatus("box1"), await rowStatus("box2"), await rowStatus("box3")]).toEqual(["ready", "stopped", "missing"]);

    await b.page.locator("#start-d-box2").click();
    await b.page.waitForSelector('tr[data-workspace="box2"][data-status="ready"]', { timeout: 30_000 });
    expect(docker("inspect", "-f", "{{.State.Running}}", container("box2")).stdout.toString().trim()).toBe("true");
  }, TIMEOUT);

  test("rig ui prints the running server's sign-in link when there is no desktop", async () => {
    const ui = await rig(["ui", "--json"], { cwd: dir, env: { ...env, RIGKIT_NO_BROWSER: "1" } });
    expect(ui.exitCode).toBe(0);
    const { url, started } = ui.json();
    expect(started).toBe(false);
    expect(url).toBe(`${server.url}/?token=${server.token}`);
    expect(ui.stderr).toContain(`Open ${url}`);
    const page = await b.browser.newPage();
    await page.goto(url);
    expect(page.url()).toBe(`${server.url}/`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
    await page.close();
  }, TIMEOUT);
});
