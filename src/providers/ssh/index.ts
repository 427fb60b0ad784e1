/**
 * `ssh({ hosts })`: remote machines through the system `ssh` client, so ~/.ssh/config,
 * the agent and known_hosts work as they do for the user. Connections are reused
 * (ControlMaster sockets under RIGKIT_HOME), so a second command to a host skips the
 * handshake.
 *
 * Tasks prepare a base directory on every host (`prepareDir`, `run`); workspaces are
 * copies of it (`cp -a --reflink=auto` on the host) placed on the least-loaded reachable
 * host, so a team's machines share the workspaces.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { rigkitHome } from "../../host/home.ts";
import { RigError, messageOf } from "../../errors.ts";
import { attach, enterDir, stdinIsTerminal } from "../../host/attach.ts";
import { runCommand, runInteractive, tail } from "../../host/local.ts";
import { shq, script, stoppable } from "../../host/stoppable.ts";
import { type ArtifactRef, type WorkspaceHandle, defineProvider } from "../../sdk/provider.ts";
import { replaceValue } from "../local/index.ts";
import type { ExecOptions, ExecResult } from "../../sdk/types.ts";

export interface SshHost {
  /** What you would type after `ssh`: an alias from ~/.ssh/config, `host`, or `user@host`. */
  host: string;
  /** rigkit's directory on that host (default: `.rigkit-remote/<project id>` in the login's home). */
  root?: string;
}

export interface SshConfig {
  hosts: (string | SshHost)[];
  /** An ssh_config file to use instead of ~/.ssh/config (`ssh -F`). */
  configFile?: string;
  /** Seconds to wait for a host before calling it unreachable (default 5). */
  connectTimeout?: number;
}

/** A directory prepared on every host; `paths` maps each host to its copy. */
export interface SshDirRef extends ArtifactRef {
  provider: "ssh";
  kind: "dir";
  name: string;
  paths: Record<string, string>;
}

export interface SshWorkspace {
  host: string;
  dir: string;
}

export interface SshRuntime {
  hosts: string[];
  /** Runs a command on one host, output captured. */
  exec(host: string, command: readonly string[] | string, options?: Omit<ExecOptions, "env">): Promise<ExecResult>;
  /** Runs a command on every host at once (in `cwd` of a prepared dir, when given). */
  run(command: readonly string[] | string, options?: { cwd?: SshDirRef }): Promise<ExecResult[]>;
  /**
   * Creates `<root>/base/<name>` on every reachable host (emptied first with `fresh`);
   * unreachable hosts are left out of the ref, so they get no workspaces from it.
   */
  prepareDir(name: string, options?: { fresh?: boolean }): Promise<SshDirRef>;
  /** Workspace hooks: copies a prepared dir into `<root>/workspaces/<name>` on the least-loaded reachable host. */
  createWorkspace(options: { from: SshDirRef }): Promise<SshWorkspace>;
  removeWorkspace(workspace: SshWorkspace): Promise<void>;
  /** `ssh -t host 'cd dir && exec $SHELL -l'`. */
  shell(workspace: SshWorkspace): Promise<number>;
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** The host and directory a workspace's handle names. */
function placeOf(workspace: WorkspaceHandle): SshWorkspace {
  const found = workspace.resources.find((r) => r.kind === "dir" && typeof r.host === "string" && typeof r.dir === "string");
  if (!found) throw new RigError("PROVIDER_FAILED", `ssh: no remote directory is recorded for workspace ${workspace.name}`);
  return { host: found.host as string, dir: found.dir as string };
}

const enter = enterDir;

/** Short control-socket directory: Unix socket paths must stay under ~100 bytes. */
function controlDir(): string {
  const preferred = join(rigkitHome(), "ssh");
  const dir = preferred.length + 42 < 100 ? preferred : `/tmp/rigkit-ssh-${process.getuid?.() ?? "u"}`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export const ssh = defineProvider<SshConfig, SshRuntime>({
  id: "ssh",
  create({ config, project }) {
    if (!Array.isArray(config.hosts) || config.hosts.length === 0) {
      throw new RigError("CONFIG_ERROR", "ssh: `hosts` needs at least one host");
    }
    const hosts = config.hosts.map((h) => (typeof h === "string" ? { host: h } : h));
    const roots = new Map(hosts.map((h) => [h.host, (h.root ?? `.rigkit-remote/${project.id}`).replace(/\/+$/, "")]));
    const names = hosts.map((h) => h.host);
    const timeout = config.connectTimeout ?? 5;
    let sockets: string | undefined;
    const options = () => {
      sockets ??= controlDir();
      return [
        ...(config.configFile ? ["-F", config.configFile] : []),
        "-o", "BatchMode=yes",
        "-o", `ConnectTimeout=${timeout}`,
        "-o", "ControlMaster=auto",
        "-o", `ControlPath=${sockets}/%C`,
        "-o", "ControlPersist=120",
      ];
    };
    const root = (host: string) => roots.get(host) as string;
    // How `rig exec` reaches a workspace directory without this code (see ResourceAccess).
    const access = (host: string, dir: string) => ({ argv: ["ssh", ...options(), host, "--"], cwd: dir, shell: true, dirs: [controlDir()] });
    const placing = new Map<string, number>();
    let placements: Promise<unknown> = Promise.resolve();
    const placeOneAtATime = <T>(fn: () => Promise<T>): Promise<T> => {
      const next = placements.then(fn);
      placements = next.catch(() => undefined);
      return next;
    };
    const remote = (host: string, command: readonly string[] | string, opts: Omit<ExecOptions, "env"> & { cwd?: string; quiet?: boolean } = {}) => {
      const body = opts.cwd ? `cd ${shq(opts.cwd)} && ${script(command)}` : script(command);
      // Errors show the remote command; the ssh options around it are the same every time.
      const shown = { label: `ssh ${host}`, display: body };
      if (opts.input !== undefined) return runCommand(["ssh", ...options(), host, "--", body], { ...opts, cwd: undefined, ...shown });
      return runCommand(["ssh", ...options(), host, "--", stoppable(body)], { ...opts, cwd: undefined, holdStdin: true, ...shown });
    };

    return {
      // Built-in access (SPEC §9): over the directory claimed in createWorkspace, through
      // the shared (ControlMaster) connection.
      exec(workspace, argv, opts) {
        const { host, dir } = placeOf(workspace);
        const tty = stdinIsTerminal() && !opts.capture ? ["-t"] : [];
        return attach(["ssh", ...options(), ...tty, host, "--", `${enter(dir)} && exec ${script(argv)}`], { capture: opts.capture, signal: opts.signal });
      },
      async shell(workspace) {
        if (!stdinIsTerminal()) throw new RigError("USAGE", "rig shell needs a terminal");
        const { host, dir } = placeOf(workspace);
        return (await attach(["ssh", ...options(), "-t", host, `${enter(dir)} && exec "\${SHELL:-/bin/sh}" -l`])).exitCode;
      },
      async forward(workspace, port) {
        const { host } = placeOf(workspace);
        // Open the shared connection now, so each forwarded connection rides on it.
        await remote(host, "true", { quiet: true });
        return { argv: ["ssh", ...options(), "-W", `127.0.0.1:${port}`, host] };
      },
      async editor(workspace) {
        const { host, dir } = placeOf(workspace);
        // VS Code wants an absolute path; the default root is relative to the login's home.
        const absolute = dir.startsWith("/") ? dir : (await remote(host, `${enter(dir)} && pwd`, { quiet: true })).stdout.trim();
        return { args: ["--remote", `ssh-remote+${host}`, absolute], uri: `vscode-remote://ssh-remote+${host}${encodeURI(absolute)}` };
      },
      // A copy beside it on the same host.
      async fork(source, target, opts) {
        const { host, dir: from } = placeOf(source);
        const dir = `${from.slice(0, from.lastIndexOf("/"))}/${target.name}`;
        target.claim({ kind: "dir", id: `${host}:${dir}`, host, dir, access: access(host, dir) });
        target.record({ host, dir });
        await remote(host, `test ! -e ${shq(dir)} && { cp -a --reflink=auto ${shq(from)} ${shq(dir)} 2>/dev/null || { rm -rf ${shq(dir)} && cp -a ${shq(from)} ${shq(dir)}; }; }`, {
          quiet: true,
        });
        opts.log(`copied ${host}:${from} → ${dir}`);
        return { ...replaceValue(source.ctx, from, dir), host };
      },

      async checks() {
        return Promise.all(
          names.map(async (host) => {
            const r = await remote(host, "true", { reject: false, quiet: true }).catch((e) => ({ exitCode: 255, stderr: messageOf(e) }));
            return r.exitCode === 0
              ? { name: host, ok: true, message: "reachable" }
              : { name: host, ok: false, message: `unreachable: ${r.stderr.trim().split("\n").at(-1) ?? `exit ${r.exitCode}`}` };
          }),
        );
      },

      // Workspace directories on every reachable host.
      async resources() {
        const found = await Promise.all(
          names.map(async (host) => {
            const dir = `${root(host)}/workspaces`;
            const r = await remote(host, `ls -1 ${shq(dir)} 2>/dev/null || true`, { reject: false, quiet: true }).catch(() => null);
            if (!r || r.exitCode !== 0) return [];
            return r.stdout
              .split("\n")
              .filter((name) => SEGMENT.test(name))
              .map((name) => ({ id: `${host}:${dir}/${name}`, match: { host, dir: `${dir}/${name}` } }));
          }),
        );
        return found.flat();
      },

      async destroy(resource) {
        const { host, dir } = resource.match;
        if (host && dir && dir.startsWith(`${root(host)}/workspaces/`)) await remote(host, ["rm", "-rf", dir], { quiet: true });
      },

      async validateArtifact(ref) {
        if (ref.kind !== "dir" || typeof ref.paths !== "object" || ref.paths === null) return true;
        // A host left out (it was down) that answers now should get its copy: prepare again.
        for (const host of names.filter((h) => !(h in (ref.paths as object)))) {
          if ((await remote(host, "true", { reject: false, quiet: true }).catch(() => null))?.exitCode === 0) return false;
        }
        for (const [host, path] of Object.entries(ref.paths as Record<string, string>)) {
          if (!names.includes(host)) continue;
          const r = await remote(host, ["test", "-d", path], { reject: false, quiet: true });
          if (r.exitCode === 1) return false; // reachable, and the directory is gone
        }
        return true; // an unreachable host cannot tell; apply will say why if it matters
      },

      runtime(ctx) {
        return {
          hosts: names,
          exec: (host, command, opts) => {
            if (!roots.has(host)) throw new RigError("PROVIDER_FAILED", `ssh: ${host} is not one of this provider's hosts (${names.join(", ")})`);
            return remote(host, command, opts);
          },
          run: (command, opts = {}) => {
            const targets = opts.cwd ? Object.keys(opts.cwd.paths) : names;
            return Promise.all(targets.map((host) => remote(host, command, { cwd: opts.cwd?.paths[host] })));
          },
          async prepareDir(name, opts = {}) {
            if (!SEGMENT.test(name) || name === "." || name === "..") {
              throw new RigError("PROVIDER_FAILED", `ssh: prepareDir("${name}"): use letters, digits, ".", "_" and "-" only`);
            }
            const made = await Promise.all(
              names.map(async (host) => {
                const path = `${root(host)}/base/${name}`;
                const r = await remote(host, `${opts.fresh ? `rm -rf ${shq(path)} && ` : ""}mkdir -p ${shq(path)}`, { reject: false, quiet: true });
                if (r.exitCode === 255) {
                  ctx.log(`skipping ${host}: unreachable (${r.stderr.trim().split("\n").at(-1)})`);
                  return null;
                }
                if (r.exitCode !== 0) throw new RigError("PROVIDER_FAILED", `ssh ${host}: cannot prepare ${path}`, { detail: tail(r.stderr, 5) });
                return [host, path] as const;
              }),
            );
            const paths = Object.fromEntries(made.filter((m) => m !== null));
            if (Object.keys(paths).length === 0) {
              throw new RigError("PROVIDER_FAILED", `ssh: no host is reachable (${names.join(", ")})`, { detail: ["Run `rig doctor` to see each host's state."] });
            }
            return { provider: "ssh", kind: "dir", name, paths };
          },
          async createWorkspace({ from }) {
            const workspace = ctx.workspace;
            if (!workspace) throw new RigError("PROVIDER_FAILED", "ssh: createWorkspace() is for workspace hooks");
            // One placement at a time in this process, so `rig create a b c` spreads out.
            const chosen = await placeOneAtATime(async () => {
              // Load: rig workspaces already on the host, then the 1-minute load average.
              // Copies in flight count too; taken before asking the hosts, since a copy
              // may finish (and leave `placing`) before its directory shows in our `ls`.
              const inflight = new Map(placing);
              const candidates = Object.keys(from.paths).filter((h) => roots.has(h));
              const loads = await Promise.all(
                candidates.map(async (host) => {
                  const r = await remote(host, `ls -1 ${shq(`${root(host)}/workspaces`)} 2>/dev/null | wc -l; cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0`, {
                    reject: false,
                    quiet: true,
                  }).catch(() => null);
                  if (!r || r.exitCode !== 0) return null;
                  const [count, load] = r.stdout.trim().split("\n").map(Number);
                  return { host, count: count ?? 0, load: load ?? 0 };
                }),
              );
              const live = loads
                .filter((l) => l !== null)
                .map((l) => ({ ...l, count: l.count + (inflight.get(l.host) ?? 0) }))
                .sort((a, b) => a.count - b.count || a.load - b.load);
              const chosen = live[0];
              if (!chosen) throw new RigError("PROVIDER_FAILED", `ssh: no host is reachable (${candidates.join(", ")})`, { detail: ["Run `rig doctor` to see each host's state."] });
              placing.set(chosen.host, (placing.get(chosen.host) ?? 0) + 1);
              return chosen;
            });
            const dir = `${root(chosen.host)}/workspaces/${workspace.name}`;
            const source = from.paths[chosen.host] as string;
            workspace.claim({ kind: "dir", id: `${chosen.host}:${dir}`, host: chosen.host, dir, access: access(chosen.host, dir) });
            workspace.record({ host: chosen.host, dir });
            ctx.log(`placing ${workspace.name} on ${chosen.host} (${chosen.count} workspace${chosen.count === 1 ? "" : "s"}, load ${chosen.load})`);
            try {
              await remote(
                chosen.host,
                `test ! -e ${shq(dir)} && mkdir -p ${shq(`${root(chosen.host)}/workspaces`)} && ` +
                  `{ cp -a --reflink=auto ${shq(source)} ${shq(dir)} 2>/dev/null || { rm -rf ${shq(dir)} && cp -a ${shq(source)} ${shq(dir)}; }; }`,
                { quiet: true },
              );
            } finally {
              placing.set(chosen.host, (placing.get(chosen.host) ?? 1) - 1); // now the host's own count has it
            }
            return { host: chosen.host, dir };
          },
          async removeWorkspace({ host, dir }) {
            // The path stored with the workspace counts, even if the host's root changed since.
            const name = dir.slice(dir.lastIndexOf("/") + 1);
            if (!dir.endsWith(`/workspaces/${name}`) || !SEGMENT.test(name) || name === "." || name === "..") {
              throw new RigError("PROVIDER_FAILED", `ssh: refusing to remove ${dir} on ${host}: not a rig workspace directory (…/workspaces/<name>)`);
            }
            await remote(host, ["rm", "-rf", dir], { quiet: true, cleanup: true });
          },
          shell: ({ host, dir }) => runInteractive(["ssh", ...options(), "-t", host, `cd ${shq(dir)} && exec $SHELL -l`]),
        };
      },
    };
  },
});
