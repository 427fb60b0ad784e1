import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findConfig, stateDirOf } from "../../../engine/project/locate.ts";
import { host } from "../../../host/local.ts";
import { type Cli, projectOptions } from "../../context.ts";
import { emit, err } from "../../ui.ts";
import { portOption } from "./serve.ts";

/** This project's `rig serve`, if one answers now: its URL and token. */
async function runningServer(stateDir: string): Promise<{ url: string; token: string } | null> {
  const { readAddressFile } = await import("../../../serve/address.ts");
  const address = readAddressFile(stateDir);
  if (!address) return null;
  try {
    const token = readFileSync(join(stateDir, "serve.token"), "utf8").trim();
    const answer = await fetch(`${address.url}/project`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) });
    return answer.ok ? { url: address.url, token } : null;
  } catch {
    return null; // it died without cleaning up, or the file is someone else's
  }
}

/**
 * `rig ui`: opens the dashboard of this project's `rig serve` in the browser — the server
 * already running, or one started here until Ctrl-C (README "Dashboard"). The link carries
 * the token once (the page swaps it for an HttpOnly cookie); with no desktop or with
 * RIGKIT_NO_BROWSER=1 it is printed instead (host `open`).
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
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const { startServer } = await import("../../../serve/server.ts");
  const server = await startServer({ project: options, stateDir, port });
  try {
    const url = `${server.url}/?token=${server.token}`;
    await host.open(url);
    emit({ url, started: true }, () => null);
    err.line(`Serving the dashboard and API at ${server.url} until Ctrl-C.`);
    await new Promise<void>((resolve) => (cli.signal.aborted ? resolve() : cli.signal.addEventListener("abort", () => resolve(), { once: true })));
  } finally {
    await server.stop();
  }
}
