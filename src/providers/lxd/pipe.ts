/**
 * `rig forward` for LXD: one connection per run of this file, its stdin/stdout carried to
 * 127.0.0.1:<port> inside the instance through an exec websocket (nc, socat or bash's
 * /dev/tcp in the instance, as for Docker): no network between here and the instance is
 * needed. Run as `bun pipe.ts <instance> <port>` with the connection in
 * RIGKIT_LXD_CONNECTION (an environment variable, so the client key never appears in a
 * command line).
 */
import { connector } from "../docker/index.ts";
import { type LxdConnection, LxdClient } from "./api.ts";
import { execAttached } from "./exec.ts";

export function forwardTarget(connection: LxdConnection, instance: string, port: number): { argv: string[]; env: Record<string, string> } {
  const { remote, cert, key, serverCert, project } = connection;
  return {
    argv: [process.execPath, "--no-install", "--no-env-file", import.meta.path, instance, String(port)],
    env: { RIGKIT_LXD_CONNECTION: JSON.stringify({ remote, cert, key, serverCert, project }) },
  };
}

if (import.meta.main) {
  const [instance = "", port = ""] = process.argv.slice(2);
  const connection = JSON.parse(process.env.RIGKIT_LXD_CONNECTION ?? "{}") as LxdConnection;
  delete process.env.RIGKIT_LXD_CONNECTION;
  const code = await execAttached(new LxdClient(connection), instance, { argv: ["sh", "-c", connector(Number(port))] }).catch((error) => {
    process.stderr.write(`rig forward: ${(error as Error).message}\n`);
    return 1;
  });
  process.exit(code);
}
