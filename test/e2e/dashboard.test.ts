/// <reference lib="dom" />
/**
 * The dashboard in a real headless browser (chromium + puppeteer-core) against the real
 * `rig serve`: sign-in through the one-time URL, live graph during applies started from
 * the CLI and from the page, streaming output, create and remove through the buttons, and
 * no request leaving the server. A screenshot per state lands in test/artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "puppeteer-core";
import { type TestBrowser, openBrowser, requireChromium } from "../browser.ts";
import { project, rig } from "../helpers.ts";
import { DASHBOARD_CONFIG, type Served, serve } from "./fixtures-dashboard.ts";

const run = requireChromium();
const TIMEOUT = 60_000;

/** The state text of each task node in the graph, by path. */
const nodeStates = (page: Page) =>
  page.$$eval("#graph g.node[data-state]:not(.group)", (els) => Object.fromEntries(els.map((e) => [e.getAttribute("data-path"), e.getAttribute("data-state")])));
const nodeLabel = (page: Page, path: string) => page.$eval(`#graph g.node[data-path="${path}"] text.state`, (e) => e.textContent);
const waitState = (page: Page, path: string, state: string, timeout = 30_000) =>
  page.waitForSelector(`#graph g.node[data-path="${path}"][data-state="${state}"]`, { timeout });

describe.skipIf(!run)("dashboard", () => {
  let dir: string;
  let server: Served;
  let b: TestBrowser;

  beforeAll(async () => {
    dir = project({ "rigkit.config.ts": DASHBOARD_CONFIG, "input.txt": "one\n" });
    server = await serve(dir, { TICK_MS: "300" });
    b = await openBrowser(server.url);
  }, TIMEOUT);
  afterAll(async () => {
    await b?.close();
    await server?.stop();
  });

  test("refuses without the token (page, API, event stream) and from a foreign origin", async () => {
    for (const path of ["/", "/ui/app.js", "/workspaces", "/events", "/?token=wrong"]) {
      const answer = await fetch(`${server.url}${path}`);
      expect(answer.status, path).toBe(401);
      if (path === "/" || path.startsWith("/ui/") || path.startsWith("/?")) expect(answer.headers.get("content-security-policy")).toStartWith("default-src 'self'");
    }
    expect((await fetch(`${server.url}/workspaces`, { headers: { Authorization: "Bearer nope" } })).status).toBe(401);
    const foreign = await fetch(`${server.url}/workspaces`, { headers: { Authorization: `Bearer ${server.token}`, Origin: "http://evil.example" } });
    expect(foreign.status).toBe(403);
    const rebound = await fetch(`${server.url}/workspaces`, { headers: { Authorization: `Bearer ${server.token}`, Host: `evil.example:${new URL(server.url).port}` } });
    expect(rebound.status).toBe(403);
    await b.page.goto(`${server.url}/`);
    expect(await b.page.content()).toContain("Not signed in");
    await b.shot("refused");
  }, TIMEOUT);

  test("loads with the token: the token becomes an HttpOnly cookie and leaves the address bar", async () => {
    const answer = await b.page.goto(`${server.url}/?token=${server.token}`);
    expect(answer?.headers()["content-security-policy"]).toStartWith("default-src 'self'");
    expect(b.page.url()).toBe(`${server.url}/`);
    const cookie = (await b.page.cookies()).find((c) => c.name === "rig_token");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Strict");
    expect(await b.page.evaluate(() => document.cookie)).toBe(""); // scripts cannot read it
    await b.page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });
    await b.page.waitForSelector("#connection.live");
    expect(await b.page.$eval("#workspaces", (e) => e.textContent)).toContain("No workspaces yet");
    // Before any apply every task is pending, with the reason as text.
    expect(await nodeStates(b.page)).toEqual({ tools: "pending", "lint/eslint": "pending", "deps/install": "pending", build: "pending" });
    expect(await nodeLabel(b.page, "build")).toBe("pending: no-previous-run");
    // The parallel block and its branches are drawn around their tasks, labelled.
    expect(await b.page.$$eval("#graph g.cluster", (els) => els.map((e) => e.getAttribute("aria-label")))).toEqual(["parallel", "branch lint", "branch deps"]);
    await b.shot("before-apply");
  }, TIMEOUT);

  test("an apply started from the CLI turns the graph's nodes done, live", async () => {
    const before = await b.page.evaluate(() => (window as unknown as { rigEvents: { count: number } }).rigEvents.count);
    const applied = await rig(["apply"], { cwd: dir, env: { TICK_MS: "10" } });
    expect(applied.exitCode).toBe(0);
    for (const path of ["tools", "lint/eslint", "deps/install", "build"]) await waitState(b.page, path, "done");
    expect(await b.page.evaluate(() => (window as unknown as { rigEvents: { count: number } }).rigEvents.count)).toBeGreaterThan(before);
    expect(await nodeLabel(b.page, "build")).toMatch(/^done in /);
    await b.shot("after-cli-apply");
    // The timeline has the CLI's apply, finished.
    await b.page.waitForSelector('#runs button[data-status="ok"]');
    // A fresh look is the plan: everything cached.
    await b.page.reload();
    await b.page.waitForSelector("body[data-ready=true]");
    expect(Object.values(await nodeStates(b.page))).toEqual(["cached", "cached", "cached", "cached"]);
    await b.shot("cached");
  }, TIMEOUT);

  test("an apply from the page streams the running task's output", async () => {
    writeFileSync(join(dir, "input.txt"), "two\n");
    // The graph shows why build is pending again once reloaded.
    await b.page.reload();
    await b.page.waitForSelector("body[data-ready=true]");
    expect(await nodeLabel(b.page, "tools")).toBe("cached");
    expect(await nodeLabel(b.page, "build")).toBe("pending: inputs-changed");
    await b.page.click("#apply-button");
    await waitState(b.page, "build", "running");
    expect(await nodeStates(b.page)).toMatchObject({ tools: "cached", build: "running" });
    // Output arrives line by line while the task still runs.
    await b.page.waitForFunction(() => document.querySelector("#task-lines")?.textContent?.includes("tick 2 of two"), { timeout: 20_000 });
    expect(await b.page.$eval('#graph g.node[data-path="build"]', (e) => e.getAttribute("data-state"))).toBe("running");
    await b.shot("streaming");
    await waitState(b.page, "build", "done");
    expect(await b.page.$eval("#task-lines", (e) => e.textContent)).toContain("tick 6 of two");
    await b.page.waitForSelector('#runs button[data-status="ok"]');
  }, TIMEOUT);

  test("a task that fails in a CLI apply shows failed, with its log tail and log path", async () => {
    writeFileSync(join(dir, "input.txt"), "fail\n");
    const applied = await rig(["apply"], { cwd: dir, env: { TICK_MS: "10" } });
    writeFileSync(join(dir, "input.txt"), "two\n"); // as it was, for the next tests
    expect(applied.exitCode).toBe(1);
    await waitState(b.page, "build", "failed");
    expect(await nodeLabel(b.page, "build")).toBe("failed: TASK_FAILED");
    // The graph is drawn again from a fresh plan once the apply ends; build stays "failed".
    await b.page.locator('#graph g.node[data-path="build"][data-state="failed"]').click();
    await b.page.waitForSelector("[data-task-output=build] [data-log-path]");
    const shown = await b.page.$eval("[data-task-output=build]", (e) => e.textContent ?? "");
    expect(shown).toContain("the build failed on purpose");
    expect(shown).toContain("about to fail: bad input");
    expect(shown).toMatch(/\.rigkit\/logs\/\S+\.log/);
    await b.shot("failed");
  }, TIMEOUT);

  test("creates and removes a workspace through the buttons, with the keyboard", async () => {
    await b.page.focus("#create-button");
    await b.page.keyboard.press("Enter");
    await b.page.waitForSelector("dialog[open] #create-name");
    await b.page.keyboard.type("web1");
    await b.page.type("#create-ttl", "2h");
    await b.shot("create-dialog");
    await b.page.keyboard.press("Enter"); // submits the form
    await b.page.waitForSelector('tr[data-workspace="web1"][data-status="ready"]', { timeout: 30_000 });
    const row = await b.page.$eval('tr[data-workspace="web1"]', (e) => e.textContent ?? "");
    expect(row).toContain("ready");
    expect(row).toMatch(/expires in 1h 59m|expires in 2h 0m/);
    expect(row).toContain(".rigkit");
    await b.shot("created");
    const listed = (await rig(["ls", "--json"], { cwd: dir })).json();
    expect(listed.workspaces.map((w: { name: string }) => w.name)).toEqual(["web1"]);

    // An operation through its generated form.
    await b.page.locator("#op-app-web1-greet").click();
    await b.page.waitForSelector("dialog[open] #op-input-who");
    await b.page.type("#op-input-who", "ada");
    await b.page.click("#op-input-loud");
    await Promise.all([b.page.waitForSelector("dialog:not([open])"), b.page.click("#dialog-submit")]);
    expect(await b.page.$eval("#announce", (e) => e.textContent)).toContain("greet on web1 finished");

    await b.page.locator("#rm-app-web1").click();
    await b.page.waitForSelector("dialog[open] #dialog-submit");
    expect(await b.page.$eval("dialog[open]", (e) => e.textContent)).toContain("Remove web1?");
    await b.shot("remove-confirm");
    await b.page.click("#dialog-submit");
    await b.page.waitForFunction(() => !document.querySelector('tr[data-workspace="web1"]'), { timeout: 30_000 });
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces).toEqual([]);
  }, TIMEOUT);

  test("a workspace created from the CLI appears without a reload; the page made no outside request and no error", async () => {
    const created = await rig(["create", "cli1"], { cwd: dir });
    expect(created.exitCode).toBe(0);
    await b.page.waitForSelector('tr[data-workspace="cli1"][data-status="ready"]', { timeout: 20_000 });
    await rig(["rm", "cli1", "--yes"], { cwd: dir });
    await b.page.waitForFunction(() => !document.querySelector('tr[data-workspace="cli1"]'), { timeout: 20_000 });
    expect(b.foreign).toEqual([]);
    expect(b.errors.filter((e) => !e.includes("401"))).toEqual([]);
  }, TIMEOUT);
});
