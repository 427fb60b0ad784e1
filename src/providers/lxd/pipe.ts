/**
 * A command in an instance from a separate process, attached to its stdin/stdout/stderr:
 * `bun pipe.ts <instance> [--cwd <dir>] -- <argv…>`, with the connection as JSON in
 * RIGKIT_LXD_CONNECTION (so a client key never appears in a command line). Used for
 * `rig forward` (one run per connection: nc, socat or bash's /dev/tcp in the instance,
 * as for Docker, so no network between here and the instance is needed) and as the
 * recorded way `rig exec` reaches a workspace on a local socket without loading the
 * config (docs/providers.md, "access"). Unlike `lxc exec`, it ends when the member
 * holding the instance dies instead of waiting for it.
 */
import { connector } from "../../host/connector.ts";
import { type LxdConnection, LxdClient } from "./api.ts";
import { execAttached } from "./exec.ts";

const SELF = [process.execPath, "--no-install", "--no-env-file", import.meta.path];

/** The connection fields a child needs: never more (no secret when there is none). */
const connectionEnv = ({ remote, cert, key, serverCert, project }: LxdConnection) => ({
  RIGKIT_LXD_CONNECTION: JSON.stringify({ remote, cert, key, serverCert, project }),
});

export function forwardTarget(connection: LxdConnection, instance: string, port: number): { argv: string[]; env: Record<string, string> } {
  return { argv: [...SELF, instance, "--", "sh", "-c", connector(port)], env: connectionEnv(connection) };
}

/** How `rig exec` runs `[...argv, ...command]` in the instance without this provider's code: only over a unix socket (nothing secret to record). */
export function execAccess(socket: string, project: string, instance: string, cwd: string | undefined): { argv: string[]; env: Record<string, string> } {
  return { argv: [...SELF, instance, ...(cwd ? ["--cwd", cwd] : []), "--"], env: connectionEnv({ remote: `unix://${socket}`, project }) };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const split = args.indexOf("--");
  const [instance = "", ...flags] = args.slice(0, split < 0 ? args.length : split);
  const cwd = flags[0] === "--cwd" ? flags[1] : undefined;
  const connection = JSON.parse(process.env.RIGKIT_LXD_CONNECTION ?? "{}") as LxdConnection;
  delete process.env.RIGKIT_LXD_CONNECTION;
  const code = await execAttached(new LxdClient(connection), instance, { argv: args.slice(split + 1), cwd }).catch((error) => {
    process.stderr.write(`rig: ${(error as Error).message}\n`);
    return 255;
  });
  process.exit(code);
}
