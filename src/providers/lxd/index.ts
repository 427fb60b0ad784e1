/**
 * `lxd({ remote?, project?, target?, pool?, profiles? })`: system containers on an LXD
 * (or Incus) server or cluster, through its REST API (api.ts): the local unix socket, or
 * HTTPS with a client certificate for a remote. README "LXD clusters" and docs/scale.md
 * say what the cluster decides and what rig does.
 *
 * Tasks: `build({ from }, async (c) => …)` creates an instance from an image (or from an
 * earlier build's snapshot), lets the task run commands and copy files in, stops it and
 * snapshots it: the stopped instance is the *base* and its snapshot the artifact ref.
 * A failed build deletes its instance. Workspaces: copies of that snapshot
 * (copy-on-write on btrfs/zfs pools), placed by the cluster's scheduler unless `target`
 * pins a member. Everything carries `user.rigkit.*` keys (owner.ts).
 */
import { RigError } from "../../errors.ts";
import { commandResult } from "../../host/command-result.ts";
import { tail } from "../../host/local.ts";
import { type ArtifactRef, type LiveStatus, type RuntimeContext, type WorkspaceHandle, type WorkspaceResource, defineProvider } from "../../sdk/provider.ts";
import type { ExecOptions, ExecResult, JsonObject } from "../../sdk/types.ts";
import { replaceValue } from "../local/index.ts";
import { type LxdConnection, LxdClient, isNotFound } from "./api.ts";
import { execAttached, execCaptured, execTerminal } from "./exec.ts";
import { sendProjectFiles } from "../source.ts";
import { copyIn } from "./files.ts";
import { type InstanceKind, KEY, type LxdInstance, buildName, findInstance, instanceName, instancePath, ownedBy, removeOwned } from "./owner.ts";
import { createPlaced } from "./place.ts";
import { execAccess, forwardTarget } from "./pipe.ts";

export interface LxdConfig extends LxdConnection {
  /** Pin every instance to this cluster member; default: the cluster's scheduler decides. */
  target?: string;
  /** Storage pool for new instances' root disk; default: the profile's. */
  pool?: string;
  /** Profiles for new instances; default `["default"]`. */
  profiles?: string[];
}

/** A build's result: the snapshot workspaces are copied from. */
export interface LxdSnapshotRef extends ArtifactRef {
  provider: "lxd";
  kind: "snapshot";
  /** `<instance>/<snapshot>`: what `rig gc` looks for in cached runs. */
  id: string;
  instance: string;
  snapshot: string;
}

export interface LxdExecOptions extends Omit<ExecOptions, "cwd"> {
  /** Working directory inside the instance. */
  workdir?: string;
  /** A uid to run as (default 0). */
  user?: number;
}

export interface LxdBuildInstance {
  name: string;
  exec(command: readonly string[] | string, options?: LxdExecOptions): Promise<ExecResult>;
  /** Copies a host file or directory into the instance (symlinks stay symlinks). */
  copyIn(source: string, destination: string): Promise<void>;
  /**
   * Copies the project's files into `destination` (those `inputs: ["**"]` hashes, without
   * `.git/`, rig's config and `node_modules/`/`.venv/`; `only`: these globs instead).
   */
  copyProject(destination: string, options?: { only?: readonly string[]; exclude?: readonly string[] }): Promise<void>;
}

export interface LxdRuntime {
  /** Creates a temporary instance from `from`, runs `steps`, stops and snapshots it; deleted when a step fails. */
  build(options: { from: string | LxdSnapshotRef }, steps: (instance: LxdBuildInstance) => Promise<void>): Promise<LxdSnapshotRef>;
  /** Workspace hooks: the workspace's instance, a copy of `from` (a build's snapshot, or an image alias/fingerprint), started. */
  createWorkspace(options: { from: string | LxdSnapshotRef; env?: Record<string, string>; workdir?: string }): Promise<{ instance: string; location: string }>;
  /** Deletes a workspace instance (only this project's; a missing one is fine). */
  removeWorkspace(instance: string): Promise<void>;
  exec(instance: string, command: readonly string[] | string, options?: LxdExecOptions): Promise<ExecResult>;
  /** The API client, for anything else. */
  api: LxdClient;
}

const argvOf = (command: readonly string[] | string) => (typeof command === "string" ? ["sh", "-c", command] : [...command]);
const display = (command: readonly string[] | string) => (typeof command === "string" ? command : command.join(" "));
const SNAPSHOT = "rig";

export const lxd = defineProvider<LxdConfig, LxdRuntime>({
  id: "lxd",
  create({ config, project }) {
    const client = new LxdClient(config);
    const profiles = config.profiles ?? ["default"];
    const mine = ownedBy(project);
    const keys = (kind: InstanceKind, extra: Record<string, string> = {}) => ({ [KEY.project]: project.id, [KEY.dir]: project.dir, [KEY.kind]: kind, ...extra });
    // `rig exec` without loading the config (quickexec), over a local socket only.
    const access = (name: string, workdir: string | undefined) => (client.socket ? execAccess(client.socket, client.project, name, workdir) : undefined);
    const instanceOf = (workspace: WorkspaceHandle) => {
      const resource = workspace.resources.find((r) => r.kind === "instance");
      const name = resource?.id ?? (typeof workspace.ctx.instance === "string" ? workspace.ctx.instance : undefined);
      if (!name) throw new RigError("PROVIDER_FAILED", `lxd: no instance is recorded for workspace ${workspace.name}`);
      return { name, workdir: typeof resource?.workdir === "string" ? resource.workdir : undefined };
    };
    const setState = (name: string, action: "start" | "stop", signal?: AbortSignal) =>
      client.run("PUT", `${instancePath(name)}/state`, action === "stop" ? { action, timeout: 10, force: false } : { action }, signal).catch(async (error) => {
        if (action === "stop" && !/already stopped|not running/i.test(String(error))) {
          await client.run("PUT", `${instancePath(name)}/state`, { action, force: true }, signal); // a busybox init may ignore SIGPWR
        } else if (!/already running|already stopped|not running/i.test(String(error))) throw error;
      });
    /** rig's instances on this server (one request for the whole cluster); null when it does not answer. */
    const listInstances = async (signal?: AbortSignal): Promise<LxdInstance[] | null> => {
      try {
        return await client.get<LxdInstance[]>("/1.0/instances?recursion=1", signal);
      } catch (error) {
        if (signal?.aborted) return null;
        if (error instanceof RigError && error.code === "PROVIDER_UNAVAILABLE") return null;
        throw error;
      }
    };
    const ours = async () => ((await listInstances()) ?? []).filter((i) => mine(i.config ?? {}));
    const sourceOf = (from: string | LxdSnapshotRef) =>
      typeof from !== "string"
        ? { type: "copy", source: `${from.instance}/${from.snapshot}` }
        : /^[0-9a-f]{12,64}$/.test(from)
          ? { type: "image", fingerprint: from }
          : { type: "image", alias: from };

    /** Creates (placed by the cluster), then starts an instance. */
    const createAndStart = async (name: string, from: string | LxdSnapshotRef, configKeys: Record<string, string>, log: (line: string) => void, signal?: AbortSignal) => {
      const location = await createPlaced(client, { name, source: sourceOf(from), config: configKeys, profiles, pool: config.pool, target: config.target, log, signal });
      await setState(name, "start", signal);
      return location;
    };
    const workspaceKeys = (workflow: string, workspace: string, vars: Record<string, string> = {}, workdir?: string) =>
      keys("workspace", {
        [KEY.workflow]: workflow,
        [KEY.workspace]: workspace,
        ...(workdir ? { [KEY.workdir]: workdir } : {}),
        ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [`environment.${k}`, v])),
      });
    const claimInstance = (target: { claim: (r: WorkspaceResource) => void; record: (p: JsonObject) => void }, name: string, workdir?: string) => {
      const reach = access(name, workdir);
      target.claim({ kind: "instance", id: name, instance: name, server: client.where, ...(workdir ? { workdir } : {}), ...(reach ? { access: reach } : {}) });
      target.record({ instance: name });
    };

    return {
      async exec(workspace, argv, options) {
        const { name, workdir } = instanceOf(workspace);
        const request = { argv, cwd: workdir, signal: options.signal };
        if (options.capture) {
          const { exitCode, stdout, stderr } = await execCaptured(client, name, request);
          return { exitCode, stdout, stderr };
        }
        return { exitCode: await execAttached(client, name, request) };
      },
      async shell(workspace, options) {
        if (!process.stdin.isTTY) throw new RigError("USAGE", "rig shell needs a terminal");
        const { name, workdir } = instanceOf(workspace);
        return execTerminal(client, name, { argv: ["sh", "-c", "exec $(command -v bash || echo sh) -l"], cwd: workdir, signal: options.signal });
      },
      async stop(workspace, { signal }) {
        await setState(instanceOf(workspace).name, "stop", signal);
      },
      async start(workspace, { signal }) {
        await setState(instanceOf(workspace).name, "start", signal);
      },
      forward: (workspace, port) => forwardTarget(config, instanceOf(workspace).name, port),
      editor(workspace) {
        const { name } = instanceOf(workspace);
        throw new RigError("USAGE", `VS Code cannot attach to an LXD instance (${name}) by itself`, {
          detail: [`Attach a terminal with: rig shell ${workspace.name}`, `or, with the lxc client on this server: lxc exec ${name} -- sh -l`],
        });
      },
      // A copy of the live instance (copy-on-write where the pool allows), on the member the cluster picks.
      async fork(source, target, options) {
        const from = instanceOf(source);
        const name = instanceName(project, source.workflow, target.name);
        claimInstance(target, name, from.workdir);
        const live = await findInstance(client, from.name, options.signal);
        if (!live || !mine(live.config ?? {})) throw new RigError("PROVIDER_FAILED", `lxd (${client.where}): instance ${from.name} is gone or not this project's`);
        const vars = Object.fromEntries(Object.entries(live.config).filter(([k]) => k.startsWith("environment.")).map(([k, v]) => [k.slice(12), v]));
        const location = await createPlaced(client, {
          name,
          source: { type: "copy", source: from.name, instance_only: true },
          config: workspaceKeys(source.workflow, target.name, vars, from.workdir),
          profiles,
          pool: config.pool,
          target: config.target,
          log: options.log,
          signal: options.signal,
        });
        await setState(name, "start", options.signal);
        options.log(`copied ${from.name} to ${name}${location ? ` on ${location}` : ""}`);
        return { ...replaceValue(source.ctx, from.name, name), location };
      },

      async checks() {
        try {
          const server = await client.get<{ environment?: { server_version?: string; server_clustered?: boolean }; auth?: string }>("/1.0", AbortSignal.timeout(10_000));
          if (server.auth !== undefined && server.auth !== "trusted") {
            return [{ name: "server", ok: false, message: `lxd at ${client.where} does not trust this client (add its certificate: lxc config trust add)` }];
          }
          const kind = server.environment?.server_clustered ? "cluster" : "server";
          return [{ name: "server", ok: true, message: `LXD ${server.environment?.server_version ?? "?"} ${kind} at ${client.where}` }];
        } catch (error) {
          return [{ name: "server", ok: false, message: `cannot reach lxd at ${client.where}: ${(error as Error).message}` }];
        }
      },

      // Workspace instances, and build instances a killed apply left behind.
      async resources() {
        return (await ours()).filter((i) => i.config[KEY.kind] === "workspace" || i.config[KEY.kind] === "build").map((i) => ({ id: `instance ${i.name}`, match: { instance: i.name } }));
      },
      // Bases: their snapshot is what cached runs and workspaces refer to.
      async artifacts() {
        return (await ours()).filter((i) => i.config[KEY.kind] === "base").map((i) => ({ id: `snapshot ${i.name}/${SNAPSHOT}`, match: { ref: `${i.name}/${SNAPSHOT}`, instance: i.name } }));
      },
      async destroy(resource) {
        const name = resource.match.instance;
        if (name) await removeOwned(client, project, name);
      },

      // One `GET /1.0/instances?recursion=1` for every workspace, whichever member holds it.
      async status(workspaces, { signal }) {
        const names = workspaces.map((ws) => {
          try {
            return instanceOf(ws).name;
          } catch {
            return undefined;
          }
        });
        if (names.every((n) => n === undefined)) return workspaces.map(() => "ready" as const);
        const listed = await listInstances(signal);
        if (!listed) return names.map((n) => (n ? "unreachable" : "ready"));
        const byName = new Map(listed.map((i) => [i.name, i]));
        return names.map((name): LiveStatus => {
          if (!name) return "ready";
          const instance = byName.get(name);
          if (!instance) return "missing";
          // An instance on a member that does not answer is listed with status "Error".
          if (instance.status === "Error" || instance.status === "Unknown") return "unreachable";
          return instance.status === "Running" ? "ready" : "stopped";
        });
      },

      async validateArtifact(ref) {
        if (ref.kind !== "snapshot" || typeof ref.instance !== "string" || typeof ref.snapshot !== "string") return true;
        try {
          await client.get(`${instancePath(ref.instance)}/snapshots/${encodeURIComponent(ref.snapshot)}`);
          return true;
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
      },

      runtime(ctx: RuntimeContext): LxdRuntime {
        const exec = async (name: string, command: readonly string[] | string, options: LxdExecOptions = {}): Promise<ExecResult> => {
          if (ctx.signal.aborted && !options.cleanup) throw new RigError("INTERRUPTED", "interrupted");
          ctx.log(`$ ${display(command)}`);
          let pending = "";
          const result = await execCaptured(
            client,
            name,
            { argv: argvOf(command), env: options.env, cwd: options.workdir, user: options.user, input: options.input, signal: options.cleanup ? undefined : ctx.signal },
            (text) => {
              const lines = (pending + text).split("\n");
              pending = lines.pop() ?? "";
              for (const line of lines) ctx.log(line);
            },
          );
          if (pending) ctx.log(pending);
          if (result.exitCode !== 0 && options.reject !== false) {
            throw new RigError("EXEC_FAILED", `lxd instance ${name}: command failed (exit ${result.exitCode}): ${display(command)}`, { detail: tail(result.stderr, 10) });
          }
          // Marked as a command's result: an operation returning it exits with its code (README).
          return commandResult({ command: display(command), ...result });
        };
        return {
          api: client,
          exec,
          async build({ from }, steps) {
            if (!ctx.task) throw new RigError("PROVIDER_FAILED", "lxd: build() is for tasks");
            const name = buildName(project);
            const taskKeys = { [KEY.workflow]: ctx.workflow, [KEY.task]: ctx.task.path };
            ctx.log(`creating ${name} from ${typeof from === "string" ? from : from.id}`);
            const location = await createAndStart(name, from, keys("build", taskKeys), ctx.log, ctx.signal);
            ctx.log(`started ${name}${location ? ` on ${location}` : ""}`);
            try {
              await steps({
                name,
                exec: (command, options) => exec(name, command, options),
                copyIn: (source, destination) => copyIn(client, name, source, destination, ctx.signal),
                copyProject: async (destination, options) => {
                  const count = await sendProjectFiles(project.root, options ?? {}, (stage) => copyIn(client, name, stage, destination, ctx.signal));
                  ctx.log(`copied ${count} project files to ${destination}`);
                },
              });
              await setState(name, "stop", ctx.signal);
              // A `.global()` fragment's base is shared by every project using it: not one project's to collect.
              const kind: InstanceKind = ctx.task.dataDir === project.stateDir ? "base" : "shared-base";
              await client.run("PATCH", instancePath(name), { config: keys(kind, taskKeys) }, ctx.signal);
              await client.run("POST", `${instancePath(name)}/snapshots`, { name: SNAPSHOT, stateful: false }, ctx.signal);
              ctx.log(`snapshot ${name}/${SNAPSHOT}`);
              return { provider: "lxd", kind: "snapshot", id: `${name}/${SNAPSHOT}`, instance: name, snapshot: SNAPSHOT };
            } catch (error) {
              await removeOwned(client, project, name).catch((cleanup) => ctx.log(`could not delete ${name}: ${(cleanup as Error).message}`));
              throw error;
            }
          },
          async createWorkspace({ from, env: vars = {}, workdir }) {
            const workspace = ctx.workspace;
            if (!workspace) throw new RigError("PROVIDER_FAILED", "lxd: createWorkspace() is for workspace hooks");
            const name = instanceName(project, ctx.workflow, workspace.name);
            // Claimed before it exists: a crash right after the create still leaves a trail.
            claimInstance(workspace, name, workdir);
            const location = await createAndStart(name, from, workspaceKeys(ctx.workflow, workspace.name, vars, workdir), ctx.log, ctx.signal);
            ctx.log(`started ${name}${location ? ` on ${location}` : ""}`);
            return { instance: name, location };
          },
          async removeWorkspace(instance) {
            await removeOwned(client, project, instance);
          },
        };
      },
    };
  },
});
