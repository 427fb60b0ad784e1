import { RigError } from "../../../errors.ts";
import { type Cli, projectOptions } from "../../context.ts";
import { emit, err } from "../../ui.ts";

export function portOption(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new RigError("USAGE", `--port: "${raw}" is not a port number (0-65535; 0 picks a free one)`);
  return Number(raw);
}

/**
 * `rig serve [--port N | --socket PATH]`: the HTTP API (and dashboard) of this project
 * until Ctrl-C (README "rig serve"). The token goes to `.rigkit/serve.token` (0600) and is
 * never printed, except in the dashboard's sign-in link with --dashboard-url.
 */
export default async function serveCommand(cli: Cli, opts: { port?: string; socket?: string; dashboardUrl?: boolean }): Promise<void> {
  const port = portOption(opts.port);
  if (port !== undefined && opts.socket !== undefined) throw new RigError("USAGE", "Give --port or --socket, not both");
  const { findConfig, stateDirOf } = await import("../../../engine/project/locate.ts");
  const options = projectOptions(cli.globals);
  (await import("../../../host/attach.ts")).detachStdin(); // commands run for clients get no stdin of ours
  const stateDir = stateDirOf(await findConfig(options));
  const { mkdirSync } = await import("node:fs");
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const { startServer } = await import("../../../serve/server.ts");
  const server = await startServer({ project: options, stateDir, port, socket: opts.socket });
  try {
    emit({ url: server.url, port: server.port, tokenFile: server.tokenFile }, () =>
      [
        `Serving ${server.url} (the API token is in ${server.tokenFile}; the API is described at /openapi.json)`,
        ...(opts.dashboardUrl && server.port !== null ? [`Dashboard: ${server.url}/?token=${server.token}`] : []),
        "Press Ctrl-C to stop.",
      ].join("\n"),
    );
    await new Promise<void>((resolve) => (cli.signal.aborted ? resolve() : cli.signal.addEventListener("abort", () => resolve(), { once: true })));
    err.line("Stopping: cancelling running runs…");
  } finally {
    await server.stop();
  }
}
