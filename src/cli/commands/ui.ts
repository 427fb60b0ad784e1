import { readFileSync } from "node:fs";
import { join } from "node:path";
import { findConfig, stateDirOf } from "../../engine/locate.ts";
import { host } from "../../host/local.ts";
import { type Cli, projectOptions } from "../context.ts";
import { emit, err } from "../ui.ts";
import { portOption } from "./serve.ts";

/** The `rig serve` of this project that answers now, if any: its URL and token. */
async function runningServer(stateDir: string): Promise<{ url: string; token: string } | null> {
  try {
    const { url } = JSON.parse(readFileSync(join(stateDir, "serve.json"), "utf8")) as { url: string };
    const token = readFileSync(join(stateDir, "serve.token"), "utf8").trim();
    const answer = await fetch(`${url}/project`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(1000) });
    return answer.ok ? { url, token } : null;
  } catch {
    return null; // none, or one that died without cleaning up
  }
}

/**
 * `rig ui`: opens the dashboard of this project's `rig serve` — the one already running,
 * or one started here until Ctrl-C. The browser gets a one-time URL carrying the token,
 * which it swaps for a cookie; with no desktop (or RIGKIT_NO_BROWSER=1) the URL is printed.
 */
export default async function uiCommand(cli: Cli, opts: { port?: string }): Promise<void> {
  const port = portOption(opts.port);
  const options = projectOptions(cli.globals);
  const stateDir = stateDirOf(await findConfig(options));
  const running = await runningServer(stateDir);
  if (running) {
    const url = `${running.url}/?token=${running.token}`;
    await host.open(url);
    emit({ url, started: false }, () => null);
    return;
  }
  const { startServer } = await import("../../serve/server.ts");
  const server = await startServer(options, { port });
  try {
    const token = readFileSync(server.tokenFile, "utf8").trim();
    const url = `${server.url}/?token=${token}`;
    await host.open(url);
    emit({ url, started: true }, () => null);
    err.line("Serving the dashboard until Ctrl-C.");
    await new Promise<void>((resolve) => cli.signal.addEventListener("abort", () => resolve(), { once: true }));
  } finally {
    await server.stop();
  }
}
