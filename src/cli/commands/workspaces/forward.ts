/**
 * `rig forward <ws> <port>[:<local>]…`: listens on 127.0.0.1:<local> and carries each
 * connection to <port> in the workspace through a command the provider names (a
 * `docker exec` or `ssh -W` over the shared connection), one per connection, until Ctrl-C.
 */
import { type Server, type Socket, createServer } from "node:net";
import { forwardTargets } from "../../../engine/api/attach.ts";
import { RigError } from "../../../errors.ts";
import type { ForwardTarget } from "../../../sdk/provider.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { emit, err } from "../../ui.ts";

export interface PortSpec {
  port: number;
  local: number;
}

const portNumber = (text: string, spec: string): number => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new RigError("USAGE", `rig forward: "${spec}" is not <port> or <port>:<local port> (ports are 1–65535)`);
  return n;
};

export function parsePort(spec: string): PortSpec {
  const [port, local, extra] = spec.split(":");
  if (extra !== undefined || port === undefined) throw new RigError("USAGE", `rig forward: "${spec}" is not <port> or <port>:<local port>`);
  const remote = portNumber(port, spec);
  return { port: remote, local: local === undefined ? remote : portNumber(local, spec) };
}

/**
 * One connection: the connector command gets the socket itself as stdin and stdout, so
 * the bytes go from the kernel to `docker`/`ssh` without passing through rig (a copy
 * through rig's event loop costs most of the throughput). rig only watches the ends.
 */
function carry(socket: Socket, target: Extract<ForwardTarget, { argv: string[] }>, label: string, live: Set<{ kill(): void }>): void {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) {
    err.line(`${label}: cannot hand the connection over (no file descriptor)`);
    socket.destroy();
    return;
  }
  const child = Bun.spawn(target.argv, { env: { ...process.env, ...target.env }, stdin: fd, stdout: fd, stderr: "pipe" });
  live.add(child);
  void (async () => {
    const stderr = await new Response(child.stderr).text();
    const code = await child.exited;
    live.delete(child);
    if (code !== 0 && stderr.trim()) err.line(`${label}: ${stderr.trim().split("\n").at(-1)}`);
    socket.destroy();
  })();
  socket.on("error", () => child.kill("SIGTERM"));
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new RigError("USAGE", `rig forward: cannot listen on 127.0.0.1:${port}: ${error.code === "EADDRINUSE" ? "the port is in use" : error.message}`, {
          detail: [`Pick another local port: <port>:<local port>, e.g. ${port}:${port + 10000 > 65535 ? port - 1 : port + 10000}.`],
        }),
      ),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
}

export default async function forwardCommand(cli: Cli, name: string, specs: string[], opts: { workflow?: string }): Promise<void> {
  const ports = specs.map(parsePort);
  const locals = ports.map((p) => p.local);
  const twice = locals.find((p, i) => locals.indexOf(p) !== i);
  if (twice !== undefined) throw new RigError("USAGE", `rig forward: local port ${twice} is named twice`);
  const input = { workspace: name, workflow: opts.workflow, ports: ports.map((p) => p.port) };
  const { workspace, targets } = await forwardTargets(projectOptions(cli.globals), input, engineCall(cli));
  if (targets.some((t) => "local" in t)) {
    throw new RigError("USAGE", `Workspace ${workspace} runs on this machine: its ports are already local`, {
      detail: ports.map((p) => `Connect to 127.0.0.1:${p.port} directly.`),
    });
  }
  const servers: Server[] = [];
  const live = new Set<{ kill(): void }>();
  try {
    for (const [i, p] of ports.entries()) {
      const target = targets[i] as Extract<ForwardTarget, { argv: string[] }>;
      const server = createServer({ pauseOnConnect: true }, (socket) => carry(socket, target, `${workspace}:${p.port}`, live));
      servers.push(server);
      await listen(server, p.local);
    }
    const forwards = ports.map((p) => ({ workspace, port: p.port, local: p.local, address: `127.0.0.1:${p.local}` }));
    emit({ forwards }, () => [...forwards.map((f) => `Forwarding ${f.address} → ${workspace}:${f.port}`), "Press Ctrl-C to stop."].join("\n"));
    await new Promise<void>((resolve) => cli.signal.addEventListener("abort", () => resolve(), { once: true }));
  } finally {
    for (const server of servers) server.close();
    for (const child of live) child.kill(); // connections still open end with rig
  }
}
