import { RigError } from "../../errors.ts";
import { type Cli, projectOptions } from "../context.ts";
import { emit } from "../ui.ts";

export function portOption(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new RigError("USAGE", `--port: "${raw}" is not a port number (0-65535; 0 picks a free one)`);
  return Number(raw);
}

/** `rig serve [--port N]`: the HTTP API and dashboard until Ctrl-C (README "Dashboard"). */
export default async function serveCommand(cli: Cli, opts: { port?: string }): Promise<void> {
  const port = portOption(opts.port);
  const { startServer } = await import("../../serve/server.ts");
  const server = await startServer(projectOptions(cli.globals), { port });
  try {
    emit({ url: server.url, port: server.port, tokenFile: server.tokenFile }, () =>
      [`Serving ${server.url} (API token in ${server.tokenFile})`, "Dashboard: rig ui. Press Ctrl-C to stop."].join("\n"),
    );
    await new Promise<void>((resolve) => cli.signal.addEventListener("abort", () => resolve(), { once: true }));
  } finally {
    await server.stop();
  }
}
