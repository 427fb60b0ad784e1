/**
 * A real headless browser for the dashboard tests: Debian's chromium driven by
 * puppeteer-core, in a fresh profile, with every request that is not for the server under
 * test refused and recorded (the page must make no external request).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { REPO, tempDir } from "./helpers.ts";
import { skipMissing } from "./services.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = join(REPO, "test", "artifacts");

/** Whether chromium is here: true, or (RIGKIT_TEST_SKIP_SERVICES=1) false and a loud line; otherwise a failure. */
export function requireChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `${CHROMIUM} is not installed (apt-get install chromium; \`npm test\` does that as root)`;
  if (!skipMissing) throw new Error(`${message}; RIGKIT_TEST_SKIP_SERVICES=1 skips the dashboard tests`);
  console.warn(`\n!!! ${message}: the dashboard tests are SKIPPED (RIGKIT_TEST_SKIP_SERVICES=1)\n`);
  return false;
}

export interface TestBrowser {
  browser: Browser;
  page: Page;
  /** Requests the page tried to make anywhere but `origin` (refused). */
  foreign: string[];
  /** Console errors and page errors (a CSP violation shows here). */
  errors: string[];
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(origin: string): Promise<TestBrowser> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${tempDir("rigkit-chromium-")}`,
      // Names resolve to nothing but loopback: even a request that slipped past interception stays here.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    ],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const foreign: string[] = [];
  const errors: string[] = [];
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const url = request.url();
    if (url.startsWith(`${origin}/`) || url === origin) void request.continue();
    else {
      foreign.push(url);
      void request.abort();
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    browser,
    page,
    foreign,
    errors,
    async shot(name) {
      const path = join(ARTIFACTS, `dashboard-${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: () => browser.close(),
  };
}
