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
import { sshControlDir } from "../../host/home.ts";
import { RigError, messageOf } from "../../errors.ts";
import { untarFrom } from "../../host/untar.ts";
import { attach, enterDir, stdinIsTerminal } from "../../host/attach.ts";
import { runCommand, runInteractive, tail } from "../../host/local.ts";
import { probe } from "../../host/probe.ts";
import { shq, script, stoppable } from "../../host/stoppable.ts";
import { type ArtifactRef, type LiveStatus, type WorkspaceHandle, defineProvider } from "../../sdk/provider.ts";
import { madeFrom, madeFromClaim, replaceValue } from "../local/index.ts";
import { GIT_NOISE } from "../local/tree.ts";
import type { ExecOptions, ExecResult } from "../../sdk/types.ts";
import { MARKER_SUFFIX, REFUSED, markerJson, markerOf, noSymlinks, ownedTest, removeOwnedScript } from "./owner.ts";

export interface SshHost {
  /** What you would type after `ssh`: an alias from ~/.ssh/config, `host`, or `user@host`. */
  host: string;
  /**
   * rigkit's directory on that host (default: `.rigkit-remote` in the login's home). Each
   * project gets its own directory in it, `<root>/<project id>/`, so projects can share one.
   */
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
   * Creates `<root>/<project>/base/<name>` on every reachable host (emptied first with `fresh`);
   * unreachable hosts are left out of the ref, so they get no workspaces from it.
   */
  prepareDir(name: string, options?: { fresh?: boolean }): Promise<SshDirRef>;
  /** Workspace hooks: copies a prepared dir into `<root>/<project>/workspaces/<name>` on the least-loaded reachable host. */
  createWorkspace(options: { from: SshDirRef }): Promise<SshWorkspace>;
  removeWorkspace(workspace: SshWorkspace): Promise<void>;
  /** `ssh -t host 'cd dir && exec $SHELL -l'`. */
  shell(workspace: SshWorkspace): Promise<number>;
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * A checksum of a remote directory's tree (GNU find): each name with its type, mode,
 * size, modification time and inode; directories by name only; git's bookkeeping left
 * out as in the local provider's tree.ts. Symlinks not followed.
 */
const treeSumScript = (path: string): string =>
  `[ -d ${shq(path)} ] && [ ! -L ${shq(path)} ] || exit 1; cd ${shq(path)} && ` +
  `find . -mindepth 1 \\( ${[...GIT_NOISE].map((p) => `-path ./${p}`).join(" -o ")} \\) -prune -o ` +
  `-type d -printf '%P/\\n' -o -printf '%P %y%m %s %T@ %i\\n' | LC_ALL=C sort | cksum`;

/** The host and directory a workspace's handle names. */
function placeOf(workspace: WorkspaceHandle): SshWorkspace {
  const found = workspace.resources.find((r) => r.kind === "remote-dir" && typeof r.host === "string" && typeof r.dir === "string");
  if (!found) throw new RigError("PROVIDER_FAILED", `ssh: no remote directory is recorded for workspace ${workspace.name}`);
  return { host: found.host as string, dir: found.dir as string };
}

const enter = enterDir;

/** The control-socket directory (host/home.ts), made when missing. */
function controlDir(): string {
  const dir = sshControlDir();
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
    // Namespaced per project: projects sharing a host and a root never see each other's directories.
    const roots = new Map(hosts.map((h) => [h.host, `${(h.root ?? ".rigkit-remote").replace(/\/+$/, "")}/${project.id}`]));
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

    // Status checks (see `status`). A session on a host costs about as much as the command
    // it runs (the login shell starts every time), and rig checks a workspace just as an
    // operation on it sends its first command: so a check first waits for a command to the
    // same host to ride on, at most two turns of the event loop, and prints its answer as
    // that command's first line of stderr (left out of the command's output). A check with
    // nothing to ride on, or whose command ended without answering (it could not connect,
    // it was stopped), runs on its own.
    const MARK = `rigkit-status-${crypto.randomUUID().slice(0, 8)}`;
    const checkScript = (dirs: string[]) =>
      `printf %s ${MARK}; ${dirs.map((d) => `if [ -d ${shq(d)} ] && [ ! -L ${shq(d)} ]; then printf ' 1'; else printf ' 0'; fi`).join("; ")}; echo`;
    const riders = new Map<string, { script: string; answer: (line: string | null) => void }[]>();
    /** The check's answer line for `dirs` on a host (`<MARK> 1 0 …`), or null when the host did not answer. */
    const checkOn = (host: string, dirs: string[], signal: AbortSignal) =>
      new Promise<string | null>((resolve) => {
        const alone = async () => {
          const r = await probe(["ssh", ...options(), host, "--", rider.script], { signal });
          resolve(r?.exitCode === 0 ? (r.stdout.split("\n")[0] ?? null) : null);
        };
        const rider = { script: checkScript(dirs), answer: (line: string | null) => (line === null ? void alone() : resolve(line)) };
        riders.set(host, [...(riders.get(host) ?? []), rider]);
        setImmediate(() =>
          setImmediate(() => {
            const waiting = riders.get(host) ?? [];
            if (!waiting.includes(rider)) return; // taken by a command
            riders.set(host, waiting.filter((r) => r !== rider));
            void alone();
          }),
        );
      });

    const remote = (host: string, command: readonly string[] | string, opts: Omit<ExecOptions, "env"> & { cwd?: string; quiet?: boolean } = {}) => {
      const body = opts.cwd ? `cd ${shq(opts.cwd)} && ${script(command)}` : script(command);
      // Errors show the remote command; the ssh options around it are the same every time.
      const shown = { label: `ssh ${host}`, display: body };
      const riding = riders.get(host) ?? [];
      riders.delete(host);
      let answered = 0;
      const consumeStderr = (line: string) => {
        if (answered === riding.length || !line.startsWith(MARK)) return false;
        riding[answered++]?.answer(line);
        return true;
      };
      const ride = riding.length > 0 ? { consumeStderr } : {};
      const checks = riding.map((r) => `{ ${r.script}; } >&2\n`).join("");
      const run = opts.input !== undefined
        ? runCommand(["ssh", ...options(), host, "--", checks + body], { ...opts, cwd: undefined, ...shown, ...ride })
        : runCommand(["ssh", ...options(), host, "--", checks + stoppable(body)], { ...opts, cwd: undefined, holdStdin: true, ...shown, ...ride });
      if (riding.length > 0) void run.catch(() => null).then(() => riding.slice(answered).forEach((r) => r.answer(null)));
      return run;
    };

    /** Deletes a directory this project made on a host (marker checked in the same remote command). */
    const removeOwned = async (host: string, path: string, opts: { unmarked?: boolean } = {}) => {
      const chain = roots.has(host) ? [root(host), path.slice(0, path.lastIndexOf("/"))] : [];
      const r = await remote(host, removeOwnedScript(path, chain, project.id, project.dir, opts), { reject: false, quiet: true, cleanup: true });
      if (r.exitCode !== 0) {
        throw new RigError("PROVIDER_FAILED", `ssh ${host}: ${r.exitCode === REFUSED ? "refused to remove" : "cannot remove"} ${path}`, { detail: tail(r.stderr, 5) });
      }
    };
    /** The directories in `parent` on a host that carry this project's marker ([] when unreachable). */
    const owned = async (host: string, parent: string): Promise<string[]> => {
      const list = `[ -d ${shq(parent)} ] && [ ! -L ${shq(parent)} ] && [ ! -L ${shq(root(host))} ] || exit 0; cd ${shq(parent)} || exit 0; ` +
        // A marked name that is a symlink (or not a directory) is never listed: it is not rig's to touch.
        `for m in .*${MARKER_SUFFIX}; do n=\${m#.}; n=\${n%${MARKER_SUFFIX}}; { [ -L "$n" ] || { [ -e "$n" ] && [ ! -d "$n" ]; }; } && continue; ` +
        `${ownedTest("$m", project.id, project.dir).replaceAll("'$m'", '"$m"')} && echo "$m"; done; true`;
      const r = await remote(host, list, { reject: false, quiet: true }).catch(() => null);
      if (!r || r.exitCode !== 0) return [];
      return r.stdout
        .split("\n")
        .map((m) => m.slice(1, -MARKER_SUFFIX.length))
        .filter((name) => SEGMENT.test(name) && name !== "." && name !== "..")
        .map((name) => `${parent}/${name}`);
    };
    const marker = (fields: Record<string, string>) => markerJson({ project: project.id, dir: project.dir, ...fields });

    return {
      // Built-in access (README "Workspaces: access, forks and leases"): over the directory claimed in createWorkspace, through
      // the shared (ControlMaster) connection.
      exec(workspace, argv, opts) {
        const { host, dir } = placeOf(workspace);
        const tty = stdinIsTerminal() && !opts.capture && !opts.output ? ["-t"] : [];
        return attach(["ssh", ...options(), ...tty, host, "--", `${enter(dir)} && exec ${script(argv)}`], { capture: opts.capture, output: opts.output, signal: opts.signal });
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
        const parent = from.slice(0, from.lastIndexOf("/"));
        const dir = `${parent}/${target.name}`;
        // Claimed and marked before the copy, like createWorkspace.
        const base = madeFrom(source.resources.find((r) => r.kind === "remote-dir"));
        target.claim({ kind: "remote-dir", id: `${host}:${dir}`, host, dir, ...madeFromClaim(base), access: access(host, dir) });
        target.record({ host, dir });
        await remote(
          host,
          [
            noSymlinks([parent]),
            `if [ -e ${shq(dir)} ] || [ -L ${shq(dir)} ] || [ -e ${shq(markerOf(dir))} ]; then echo "rigkit: "${shq(dir)}" already exists" >&2; exit ${REFUSED}; fi`,
            `printf '%s\\n' ${shq(marker({ workflow: source.workflow, workspace: target.name }))} > ${shq(markerOf(dir))}`,
            `{ cp -a --reflink=auto ${shq(from)} ${shq(dir)} 2>/dev/null || { rm -rf ${shq(dir)} && cp -a ${shq(from)} ${shq(dir)}; }; }`,
          ].join("\n"),
          { quiet: true },
        );
        opts.log(`copied ${host}:${from} → ${dir}`);
        return { ...replaceValue(source.ctx, from, dir), host };
      },

      // One check per host; the fleet can work while some host answers (placement skips the others).
      // `rig diff` / `rig merge`: the directory (or the base it was copied from, recorded at
      // create) as a tar stream over the shared connection, refusing a symlink in its place.
      async exportFiles(workspace, { what, into, signal }) {
        const { host, dir } = placeOf(workspace);
        const path = what === "workspace" ? dir : madeFrom(workspace.resources.find((r) => r.kind === "remote-dir"));
        if (path === null) return null;
        const tarCommand = `if [ -L ${shq(path)} ] || [ ! -d ${shq(path)} ]; then echo "rigkit: "${shq(path)}" is not a directory" >&2; exit ${REFUSED}; fi; cd ${shq(path)} && tar -cf - .`;
        await untarFrom(["ssh", ...options(), host, "--", tarCommand], into, { signal, what: `workspace ${workspace.name} on ${host}` });
        return into;
      },
      async checks() {
        const hosts = await Promise.all(
          names.map(async (host) => {
            const r = await remote(host, "true", { reject: false, quiet: true }).catch((e) => ({ exitCode: 255, stderr: messageOf(e) }));
            return r.exitCode === 0
              ? { name: host, ok: true, message: "reachable", required: false }
              : { name: host, ok: false, message: `unreachable: ${r.stderr.trim().split("\n").at(-1) ?? `exit ${r.exitCode}`}`, required: false };
          }),
        );
        if (hosts.length === 1 || hosts.some((h) => h.ok)) return hosts.map((h) => (hosts.length === 1 ? { ...h, required: true } : h));
        return [...hosts, { name: "hosts", ok: false, message: `none of ${names.join(", ")} is reachable` }];
      },

      // Workspace directories carrying this project's marker, on every reachable host.
      async resources() {
        const found = await Promise.all(names.map(async (host) => (await owned(host, `${root(host)}/workspaces`)).map((dir) => ({ id: `${host}:${dir}`, match: { host, dir } }))));
        return found.flat();
      },

      // Prepared directories carrying this project's marker, on every reachable host.
      async artifacts() {
        const found = await Promise.all(names.map(async (host) => (await owned(host, `${root(host)}/base`)).map((dir) => ({ id: `${host}:${dir}`, match: { ref: dir, host, dir } }))));
        return found.flat();
      },

      async destroy(resource) {
        const { host, dir } = resource.match;
        const ok = host && dir && roots.has(host) && (dir.startsWith(`${root(host)}/workspaces/`) || dir.startsWith(`${root(host)}/base/`));
        if (ok) await removeOwned(host, dir);
      },

      // One check per host of every workspace directory there, riding on a command when it can (checkOn).
      async status(workspaces, { signal }) {
        // (No resources: a workspace from before they were recorded; its context names host and directory.)
        const legacy = (ctx: Record<string, unknown>) =>
          typeof ctx.host === "string" && typeof ctx.dir === "string" && roots.has(ctx.host) ? [{ kind: "remote-dir", host: ctx.host, dir: ctx.dir }] : [];
        const dirs = workspaces.map((ws) =>
          (ws.resources.length > 0 ? ws.resources : legacy(ws.ctx)).filter((r) => r.kind === "remote-dir").map((r) => ({ host: String(r.host), dir: String(r.dir) })),
        );
        const byHost = new Map<string, string[]>();
        for (const { host, dir } of dirs.flat()) byHost.set(host, [...(byHost.get(host) ?? []), dir]);
        const answers = new Map<string, LiveStatus>();
        await Promise.all(
          [...byHost].map(async ([host, list]) => {
            const line = await checkOn(host, list, signal);
            const flags = line?.startsWith(MARK) ? line.slice(MARK.length).trim().split(" ") : [];
            list.forEach((d, i) => answers.set(`${host}:${d}`, flags[i] === "1" ? "ready" : flags[i] === "0" ? "missing" : "unreachable"));
          }),
        );
        return dirs.map((list) => {
          const each = list.map(({ host, dir }) => answers.get(`${host}:${dir}`) ?? "unreachable");
          return each.includes("unreachable") ? "unreachable" : each.includes("missing") ? "missing" : "ready";
        });
      },

      // What each host's copy holds now (names, sizes, modification times: as the local
      // provider's tree.ts), one command per host; null when a host cannot tell.
      async artifactState(ref) {
        if (ref.kind !== "dir" || typeof ref.paths !== "object" || ref.paths === null) return null;
        const sums = await Promise.all(
          Object.entries(ref.paths as Record<string, string>).map(async ([host, path]) => {
            if (!roots.has(host)) return null;
            const r = await remote(host, treeSumScript(path), { reject: false, quiet: true }).catch(() => null);
            return r?.exitCode === 0 && r.stdout.trim() !== "" ? `${host}=${r.stdout.trim()}` : null;
          }),
        );
        return sums.includes(null) ? null : `ssh-tree:${sums.join(",")}`;
      },

      async validateArtifact(ref) {
        if (ref.kind !== "dir" || typeof ref.paths !== "object" || ref.paths === null) return true;
        // A host left out (it was down) that answers now should get its copy: prepare again.
        for (const host of names.filter((h) => !(h in (ref.paths as object)))) {
          if ((await remote(host, "true", { reject: false, quiet: true }).catch(() => null))?.exitCode === 0) return false;
        }
        // Every host at once (one round trip, not one per host): plan asks this, then artifactState.
        const gone = await Promise.all(
          Object.entries(ref.paths as Record<string, string>)
            .filter(([host]) => names.includes(host))
            .map(async ([host, path]) => (await remote(host, ["test", "-d", path], { reject: false, quiet: true })).exitCode === 1),
        );
        return !gone.includes(true); // reachable and the directory gone: false; an unreachable host cannot tell (apply will say why if it matters)
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
                const parent = `${root(host)}/base`;
                // Empty it only when it is ours; make it (and its marker) when it is not there.
                const body = [
                  `mkdir -p ${shq(parent)}`,
                  noSymlinks([root(host), parent]),
                  `if [ -e ${shq(path)} ] || [ -L ${shq(path)} ]; then if [ -L ${shq(path)} ] || [ ! -d ${shq(path)} ] || ! ${ownedTest(markerOf(path), project.id, project.dir)}; then ` +
                    `echo "rigkit: refusing: "${shq(path)}" was not made by rig for this project (no owner marker)" >&2; exit ${REFUSED}; fi; fi`,
                  opts.fresh ? `rm -rf ${shq(path)}` : "true",
                  `printf '%s\\n' ${shq(marker({ workflow: ctx.workflow, base: name }))} > ${shq(markerOf(path))}`,
                  `mkdir -p ${shq(path)}`,
                ].join("\n");
                const r = await remote(host, body, { reject: false, quiet: true });
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
            const parent = `${root(chosen.host)}/workspaces`;
            const dir = `${parent}/${workspace.name}`;
            const source = from.paths[chosen.host] as string;
            // Claimed before it exists; marked before the copy, so a killed copy is still ours to collect.
            workspace.claim({ kind: "remote-dir", id: `${chosen.host}:${dir}`, host: chosen.host, dir, ...madeFromClaim(source), access: access(chosen.host, dir) });
            workspace.record({ host: chosen.host, dir });
            ctx.log(`placing ${workspace.name} on ${chosen.host} (${chosen.count} workspace${chosen.count === 1 ? "" : "s"}, load ${chosen.load})`);
            try {
              await remote(
                chosen.host,
                [
                  `mkdir -p ${shq(parent)}`,
                  noSymlinks([root(chosen.host), parent]),
                  `if [ -e ${shq(dir)} ] || [ -L ${shq(dir)} ] || [ -e ${shq(markerOf(dir))} ]; then echo "rigkit: "${shq(dir)}" already exists" >&2; exit ${REFUSED}; fi`,
                  `printf '%s\\n' ${shq(marker({ workflow: ctx.workflow, workspace: workspace.name }))} > ${shq(markerOf(dir))}`,
                  `{ cp -a --reflink=auto ${shq(source)} ${shq(dir)} 2>/dev/null || { rm -rf ${shq(dir)} && cp -a ${shq(source)} ${shq(dir)}; }; }`,
                ].join("\n"),
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
            // A workspace made before owner markers has none: its own recorded directory may still go.
            const own = name === ctx.workspace?.name;
            if (roots.has(host) && dir.startsWith(`${root(host)}/workspaces/`)) return removeOwned(host, dir, { unmarked: own });
            // A workspace from before per-project roots (<root>/workspaces/<name>, no marker):
            // only the workspace's own recorded directory, and never through a symlink.
            if (!own) throw new RigError("PROVIDER_FAILED", `ssh: refusing to remove ${dir} on ${host}: not this workspace's directory`);
            const legacy = `if [ -L ${shq(dir)} ]; then echo "rigkit: refusing: "${shq(dir)}" is a symlink" >&2; exit ${REFUSED}; fi; rm -rf ${shq(dir)}`;
            const r = await remote(host, legacy, { reject: false, quiet: true, cleanup: true });
            if (r.exitCode !== 0) throw new RigError("PROVIDER_FAILED", `ssh ${host}: cannot remove ${dir}`, { detail: tail(r.stderr, 5) });
          },
          shell: ({ host, dir }) => runInteractive(["ssh", ...options(), "-t", host, `cd ${shq(dir)} && exec $SHELL -l`]),
        };
      },
    };
  },
});
