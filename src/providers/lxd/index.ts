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
import { realpathSync } from "node:fs";
import { RigError } from "../../errors.ts";
import { commandResult } from "../../host/command-result.ts";
import { tail } from "../../host/local.ts";
import { type ArtifactRef, type LiveStatus, type RuntimeContext, type WorkspaceHandle, type WorkspaceResource, defineProvider } from "../../sdk/provider.ts";
import type { ExecOptions, ExecResult, JsonObject } from "../../sdk/types.ts";
import { replaceValue } from "../local/index.ts";
import { LxdClient, isNotFound } from "./api.ts";
import { execAttached, execCaptured, execTerminal } from "./exec.ts";
import { CA_PATH, buildEnv } from "../build-env.ts";
import { sendProjectFiles } from "../source.ts";
import { type LxdConfig, lxdConfigSchema } from "./config.ts";
import { copyIn } from "./files.ts";
import { type LxdSource, type MadeFrom, exportWorkdir, sourceOfMade } from "./export.ts";
import { type InstanceKind, KEY, type LxdInstance, buildName, findInstance, instanceName, instancePath, ownedBy, removeOwned } from "./owner.ts";
import { createPlaced } from "./place.ts";
import { execAccess, forwardTarget } from "./pipe.ts";

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
/** The `nic` device a build instance gets for `build.network`. */
const BUILD_NIC = "rigkit-build-nic";
/** A fork's snapshot of itself as it was made. */
const MADE = "rig-made";

export type { LxdBuildConfig, LxdConfig } from "./config.ts";

export const lxd = defineProvider<LxdConfig, LxdRuntime>({
  id: "lxd",
  configSchema: lxdConfigSchema,
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
      const workdir = typeof resource?.workdir === "string" ? resource.workdir : undefined;
      return { name, workdir, madeFrom: resource?.madeFrom as MadeFrom | undefined };
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
    const madeFromOf = (from: string | LxdSnapshotRef): MadeFrom => (typeof from === "string" ? { image: from } : { instance: from.instance, snapshot: from.snapshot });
    const sourceOf = (from: string | LxdSnapshotRef): LxdSource => sourceOfMade(madeFromOf(from));

    /** Creates (placed by the cluster), then starts an instance. */
    const createAndStart = async (
      name: string,
      from: string | LxdSnapshotRef,
      configKeys: Record<string, string>,
      log: (line: string) => void,
      signal?: AbortSignal,
      extra: { profiles?: string[]; devices?: Record<string, Record<string, string>> } = {},
    ) => {
      const request = { name, source: sourceOf(from), config: configKeys, profiles: extra.profiles ?? profiles, devices: extra.devices, pool: config.pool, target: config.target, log, signal };
      const location = await createPlaced(client, request);
      await setState(name, "start", signal);
      return location;
    };
    /** Removes a device of the instance's own (a PUT: PATCH merges devices). */
    const dropDevice = async (name: string, device: string, signal?: AbortSignal) => {
      const current = await client.get<{ architecture: string; config: Record<string, string>; devices: Record<string, unknown>; ephemeral: boolean; profiles: string[]; description: string }>(instancePath(name), signal);
      const { [device]: _, ...devices } = current.devices ?? {};
      const { architecture, config: keys, ephemeral, profiles: kept, description } = current;
      await client.run("PUT", instancePath(name), { architecture, config: keys, devices, ephemeral, profiles: kept, description }, signal);
    };
    const workspaceKeys = (workflow: string, workspace: string, vars: Record<string, string> = {}, workdir?: string) =>
      keys("workspace", {
        [KEY.workflow]: workflow,
        [KEY.workspace]: workspace,
        ...(workdir ? { [KEY.workdir]: workdir } : {}),
        ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [`environment.${k}`, v])),
      });
    /** `madeFrom`: what `rig diff` compares the workspace with (export.ts). */
    const claimInstance = (target: { claim: (r: WorkspaceResource) => void; record: (p: JsonObject) => void }, name: string, workdir: string | undefined, madeFrom: MadeFrom) => {
      const reach = access(name, workdir);
      target.claim({ kind: "instance", id: name, instance: name, server: client.where, madeFrom, ...(workdir ? { workdir } : {}), ...(reach ? { access: reach } : {}) });
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
        // Its files as they are now are what `rig diff` compares the fork with: a snapshot of
        // the new instance, taken before it starts (copy-on-write on btrfs/zfs pools).
        claimInstance(target, name, from.workdir, { instance: name, snapshot: MADE });
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
        await client.run("POST", `${instancePath(name)}/snapshots`, { name: MADE, stateful: false }, options.signal);
        await setState(name, "start", options.signal);
        options.log(`copied ${from.name} to ${name}${location ? ` on ${location}` : ""}`);
        return { ...replaceValue(source.ctx, from.name, name), location };
      },

      // `rig diff` / `rig merge`: the working directory, read through exec (export.ts).
      async exportFiles(workspace, { what, into, signal }) {
        const { name, workdir, madeFrom } = instanceOf(workspace);
        if (!workdir) {
          throw new RigError("USAGE", `lxd: workspace ${workspace.name} has no working directory to compare`, {
            detail: ["Give createWorkspace a `workdir` (where the project's files are in the instance)."],
          });
        }
        const createTemporary = async (temporary: string, source: LxdSource, abort: AbortSignal) => {
          await createPlaced(client, { name: temporary, source, config: keys("export", { [KEY.workspace]: workspace.name }), profiles, pool: config.pool, target: config.target, log: () => {}, signal: abort });
          await setState(temporary, "start", abort);
        };
        return exportWorkdir({ client, project, createTemporary }, { instance: name, workdir, madeFrom, what, into, signal, label: `workspace ${workspace.name}` });
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

      // Workspace instances, and build and export instances a killed rig left behind.
      async resources() {
        const kinds = ["workspace", "build", "export"];
        return (await ours()).filter((i) => kinds.includes(i.config[KEY.kind] ?? "")).map((i) => ({ id: `instance ${i.name}`, match: { instance: i.name } }));
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
            const { network, profiles: buildProfiles } = config.build ?? {};
            const settings = buildEnv(config.build ?? {}, "lxd");
            const summary = [...(network ? [`network ${network}`] : []), ...(buildProfiles ? [`profiles ${buildProfiles.join(", ")}`] : []), ...settings.summary];
            ctx.log(`creating ${name} from ${typeof from === "string" ? from : from.id}${summary.length ? ` (${summary.join(", ")})` : ""}`);
            const devices = network ? { [BUILD_NIC]: { type: "nic", network } } : undefined;
            const location = await createAndStart(name, from, keys("build", taskKeys), ctx.log, ctx.signal, { profiles: buildProfiles, devices });
            ctx.log(`started ${name}${location ? ` on ${location}` : ""}`);
            try {
              if (settings.caBundle) await copyIn(client, name, realpathSync(settings.caBundle), CA_PATH, ctx.signal);
              await steps({
                name,
                exec: (command, options) => exec(name, command, { ...options, env: { ...settings.env, ...options?.env } }),
                copyIn: (source, destination) => copyIn(client, name, source, destination, ctx.signal),
                copyProject: async (destination, options) => {
                  const count = await sendProjectFiles(project.root, options ?? {}, (stage) => copyIn(client, name, stage, destination, ctx.signal));
                  ctx.log(`copied ${count} project files to ${destination}`);
                },
              });
              // The CA bundle and the network were for the build: not part of the snapshot.
              if (settings.caBundle) await exec(name, ["rm", "-f", CA_PATH], { cleanup: true });
              await setState(name, "stop", ctx.signal);
              if (network) await dropDevice(name, BUILD_NIC, ctx.signal);
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
            claimInstance(workspace, name, workdir, madeFromOf(from));
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
