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
import type { AccessRunner, ResourceAccess } from "../../sdk/provider.ts";
import { execAttached, execStreams } from "./exec.ts";

const SELF = [process.execPath, "--no-install", "--no-env-file", import.meta.path];

/** The connection fields a child needs: never more (no secret when there is none). */
const connectionEnv = ({ remote, cert, key, serverCert, project }: LxdConnection) => ({
  RIGKIT_LXD_CONNECTION: JSON.stringify({ remote, cert, key, serverCert, project }),
});

export function forwardTarget(connection: LxdConnection, instance: string, port: number): { argv: string[]; env: Record<string, string> } {
  return { argv: [...SELF, instance, "--", "sh", "-c", connector(port)], env: connectionEnv(connection) };
}

/**
 * How `rig exec` reaches the instance without loading the config: this module's
 * `runAccess`, in rig's own process (or, failing that, this file as a command). Only over
 * a unix socket: a remote's client key must never be recorded.
 */
export function execAccess(socket: string, project: string, instance: string, cwd: string | undefined): ResourceAccess {
  return {
    module: import.meta.path,
    data: { socket, project, instance, ...(cwd ? { cwd } : {}) },
    argv: [...SELF, instance, ...(cwd ? ["--cwd", cwd] : []), "--"],
    env: connectionEnv({ remote: `unix://${socket}`, project }),
  };
}

export const runAccess: AccessRunner = async (access, argv, run) => {
  const { socket = "", project, instance = "", cwd } = access.data ?? {};
  const client = new LxdClient({ remote: `unix://${socket}`, project });
  const request = { argv, cwd, signal: run.signal };
  try {
    if (!run.capture) return { exitCode: await execAttached(client, instance, request) };
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    const exitCode = await execStreams(client, instance, request, { stdin: "inherit", onStdout: (c) => out.push(c), onStderr: (c) => err.push(c) });
    return { exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
  } catch (error) {
    // As a command that could not run (rig then asks status() why).
    const message = `rig: ${(error as Error).message}\n`;
    if (run.capture) return { exitCode: 255, stdout: "", stderr: message };
    process.stderr.write(message);
    return { exitCode: 255 };
  }
};

// (No top-level await: all of src/ is also bundled as CommonJS, see src/cli/bundle.ts.)
async function main(): Promise<never> {
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

if (import.meta.main) void main();
