/**
 * `docker({ host?, network?, build? })`: containers through the Docker engine, driven with the
 * `docker` CLI, so DOCKER_HOST, docker contexts and `ssh://` engines work as they do for
 * the user; on a local engine socket, the engine check, image checks and listing and
 * removing containers go straight to the Engine API instead (engine.ts), which saves
 * the CLI's start-up. Nothing is pulled from
 * a registry the config does not name.
 *
 * Tasks: `build({ from }, async (c) => …)` starts a temporary container, lets the task
 * run commands and copy files in, snapshots it into an image (an artifact ref in the
 * context) and always removes the container. Build containers get `build`'s network,
 * variables and CA bundle, workspaces never do (build.ts). Workspaces: long-running containers started
 * from such an image. Everything carries `rigkit.*` labels so `rig gc` can find orphans.
 */
import { RigError, messageOf } from "../../errors.ts";
import { untarFrom } from "../../host/untar.ts";
import { attach, stdinDetached, stdinIsTerminal } from "../../host/attach.ts";
import { runCommand, runInteractive, tail } from "../../host/local.ts";
import { probe } from "../../host/probe.ts";
import { script, stoppable } from "../../host/stoppable.ts";
import { type ArtifactRef, type LiveStatus, type RuntimeContext, type WorkspaceHandle, defineProvider } from "../../sdk/provider.ts";
import { replaceValue } from "../local/index.ts";
import { connector } from "../../host/connector.ts";
import { sendProjectFiles } from "../source.ts";
import { CA_PATH, type DockerBuildConfig, buildSettings, dockerConfigSchema } from "./build.ts";
import { engineApi } from "./engine.ts";
import { apiExec, execAccess } from "./exec.ts";
import type { ExecOptions, ExecResult } from "../../sdk/types.ts";

export interface DockerImageRef extends ArtifactRef {
  provider: "docker";
  kind: "image";
  /** The image id (sha256:…). */
  id: string;
  /** The tag rig gave it, so `docker image prune` leaves it alone. */
  tag: string;
}

export interface DockerConfig {
  /** An engine address (`unix:///…`, `tcp://…`, `ssh://user@host`); default: the CLI's own (DOCKER_HOST, context). */
  host?: string;
  /** `--network` for every container rig starts (e.g. "none"); default: the engine's default. */
  network?: string;
  /** What build containers get that workspaces do not: network, environment, CA bundle (build.ts). */
  build?: DockerBuildConfig;
}

export interface ContainerExecOptions extends Omit<ExecOptions, "cwd"> {
  /** Working directory inside the container. */
  workdir?: string;
  user?: string;
}

export interface Container {
  /** The container's name (also accepted wherever docker takes an id). */
  name: string;
  exec(command: readonly string[] | string, options?: ContainerExecOptions): Promise<ExecResult>;
  /** Copies a host file or directory into the container. */
  copyIn(source: string, destination: string): Promise<void>;
  /**
   * Copies the project's files into `destination` (those `inputs: ["**"]` hashes, without
   * `.git/`, rig's config and `node_modules/`/`.venv/`; `only`: these globs instead).
   */
  copyProject(destination: string, options?: { only?: readonly string[]; exclude?: readonly string[] }): Promise<void>;
}

export interface DockerRuntime {
  /**
   * Starts a temporary container from `from`, runs `steps` against it, and snapshots it
   * into an image. The container is removed afterwards, also when a step fails.
   */
  build(options: { from: string | DockerImageRef }, steps: (container: Container) => Promise<void>): Promise<DockerImageRef>;
  /** Workspace hooks: starts the workspace's long-running container from an image. */
  createWorkspace(options: {
    image: string | DockerImageRef;
    env?: Record<string, string>;
    /** The container's working directory: where `rig exec`, `rig shell` and `rig code` start. */
    workdir?: string;
  }): Promise<{ container: string; image: string }>;
  /** Removes a workspace container (a missing one is fine). */
  removeWorkspace(container: string): Promise<void>;
  /** Runs a command in a (workspace) container, output captured. */
  exec(container: string, command: readonly string[] | string, options?: ContainerExecOptions): Promise<ExecResult>;
  /** An interactive shell in a container (`docker exec -it`). */
  shell(container: string, options?: { workdir?: string }): Promise<number>;
  /** Any other docker CLI call, against this provider's engine. */
  docker(args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

/** Keeps a workspace container running until `docker stop`, in any image with a POSIX sh. */
const KEEPALIVE = ["sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"];

/** Docker names and tags: lowercase letters, digits, '.', '_', '-'. */
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "") || "x";

const imageOf = (image: string | DockerImageRef) => (typeof image === "string" ? image : image.id);

/** The container a workspace's handle names. */
const containerOf = (workspace: WorkspaceHandle): string => {
  const name = workspace.resources.find((r) => r.kind === "container")?.id;
  if (!name) throw new RigError("PROVIDER_FAILED", `docker: no container is recorded for workspace ${workspace.name}`);
  return name;
};

export const docker = defineProvider<DockerConfig, DockerRuntime>({
  id: "docker",
  configSchema: dockerConfigSchema,
  create({ config, project, secretName }) {
    // A host given as env.secret(): named by its secret everywhere (claims, messages), its
    // value read again from the environment by every later command through this config.
    const secret = config.host === undefined ? undefined : secretName(config.host);
    const engine = secret ? `the engine in secret ${secret}` : (config.host ?? process.env.DOCKER_HOST ?? "the default engine");
    const env = config.host ? { ...process.env, DOCKER_HOST: config.host } : undefined;
    // The provider's own docker calls are quiet; commands run *in* containers are logged.
    const cli = (args: readonly string[], options: ExecOptions & { label?: string; quiet?: boolean; display?: string; holdStdin?: boolean } = {}) =>
      runCommand(["docker", ...args], { env, label: `docker (${engine})`, quiet: true, ...options });
    const network = config.network ? ["--network", config.network] : [];
    // Project id and directory on everything: a project whose state file was lost still finds its own.
    const identity = { "rigkit.project": project.id, "rigkit.project.dir": project.dir };
    const labels = (extra: Record<string, string>) => Object.entries({ ...identity, ...extra }).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
    const isMine = (id: string, dir: string) => id === project.id || (dir !== "" && dir === project.dir);
    const PS = [
      "ps", "-a", "--filter", "label=rigkit.project",
      "--format", '{{.Names}}\t{{.State}}\t{{.Label "rigkit.project"}}\t{{.Label "rigkit.project.dir"}}\t{{.Label "rigkit.kind"}}',
    ];
    const parsePs = (stdout: string) =>
      stdout.split("\n").filter(Boolean).map((line) => {
        const [name = "", state = "", id = "", dir = "", kind = ""] = line.split("\t");
        return { name, state, mine: isMine(id, dir), kind };
      });
    // A local engine socket is asked directly (engine.ts); everything else goes through the CLI.
    const api = engineApi(config.host);
    /** rig's containers on this engine (labelled with a project) with their state; null when the engine does not answer. */
    const listContainers = async (signal?: AbortSignal) => {
      const direct = await api?.containers("rigkit.project", signal);
      if (direct) {
        return direct.map((c) => ({ name: c.name, state: c.state, mine: isMine(c.labels["rigkit.project"] ?? "", c.labels["rigkit.project.dir"] ?? ""), kind: c.labels["rigkit.kind"] ?? "" }));
      }
      const listed = await probe(["docker", ...PS], { env: env ?? process.env, signal });
      return listed?.exitCode === 0 ? parsePs(listed.stdout) : null;
    };
    const containers = async () => (await listContainers()) ?? parsePs((await cli(PS)).stdout); // (the CLI's error, when it fails)
    // `docker run` (images are never pulled): a missing image gets the next step, not the whole command line.
    const runContainer = async (args: readonly string[], image: string) => {
      const result = await cli(["run", ...args], { reject: false });
      if (result.exitCode === 0) return result;
      if (/no such image|unable to find image/i.test(result.stderr)) {
        throw new RigError("PROVIDER_FAILED", `docker (${engine}): image ${image} is not on this engine`, {
          detail: [`Pull it with \`docker pull ${image}\` (rig never pulls), build it, or use an image you have (the docker template reads RIGKIT_BASE_IMAGE).`],
        });
      }
      throw new RigError("EXEC_FAILED", `docker (${engine}): command failed (exit ${result.exitCode}): ${result.command}`, { detail: tail(result.stderr, 10) });
    };

    // Without input, the command is wrapped to stop when rig does (see host/stoppable.ts):
    // killing the `docker exec` client alone leaves the process running in the container.
    // `hidden`: variables passed by name only (a build's proxy and CA settings, see build.ts).
    const containerExec = (name: string, command: readonly string[] | string, options: ContainerExecOptions = {}, hidden: Record<string, string> = {}) => {
      const held = options.input === undefined && !options.cleanup;
      const argv = held ? ["sh", "-c", stoppable(script(command))] : typeof command === "string" ? ["sh", "-c", command] : [...command];
      const flags = [
        "-i",
        ...(options.workdir ? ["--workdir", options.workdir] : []),
        ...(options.user ? ["--user", options.user] : []),
        ...Object.keys(hidden).filter((k) => options.env?.[k] === undefined).flatMap((k) => ["--env", k]),
        ...Object.entries(options.env ?? {}).flatMap(([k, v]) => (v === undefined ? [] : ["--env", `${k}=${v}`])),
      ];
      return cli(["exec", ...flags, name, ...argv], {
        ...(Object.keys(hidden).length > 0 ? { env: { ...(env ?? process.env), ...hidden } } : {}),
        input: options.input,
        reject: options.reject,
        cleanup: options.cleanup,
        holdStdin: held,
        label: `docker container ${name}`,
        display: script(command),
        quiet: false,
      });
    };

    /**
     * Removes a container, only when its labels say it is this project's (a missing one is
     * fine): one inspect, then a forced removal, through the Engine API where it answers,
     * else `docker inspect` and `docker rm -f`. Returns the fork image it named ("" for none).
     */
    const removeOwned = async (container: string): Promise<string> => {
      const labelled = await api?.labels(container);
      if (labelled === "missing") return "";
      if (labelled) {
        if (!isMine(labelled["rigkit.project"] ?? "", labelled["rigkit.project.dir"] ?? "")) {
          throw new RigError("PROVIDER_FAILED", `docker (${engine}): refusing to remove container ${container}: it is not labelled as this project's`);
        }
        const removed = await api?.remove(container);
        if (removed?.ok) return labelled["rigkit.fork-image"] ?? "";
        if (removed) throw new RigError("PROVIDER_FAILED", `docker (${engine}): cannot remove container ${container}`, { detail: [removed.message] });
      }
      const format = ["rigkit.project", "rigkit.project.dir", "rigkit.fork-image"].map((l) => `{{index .Config.Labels "${l}"}}`).join("\t");
      const inspected = await cli(["container", "inspect", "--format", format, container], { reject: false, cleanup: true });
      if (inspected.exitCode !== 0) {
        if (/no such (object|container)/i.test(inspected.stderr)) return "";
        throw new RigError("PROVIDER_FAILED", `docker (${engine}): cannot inspect container ${container}`, { detail: tail(inspected.stderr, 5) });
      }
      const [id = "", dir = "", forkImage = ""] = inspected.stdout.trim().split("\t");
      if (!isMine(id, dir)) {
        throw new RigError("PROVIDER_FAILED", `docker (${engine}): refusing to remove container ${container}: it is not labelled as this project's`);
      }
      const result = await cli(["rm", "-f", container], { reject: false, cleanup: true });
      if (result.exitCode !== 0 && !/no such container/i.test(result.stderr)) {
        throw new RigError("PROVIDER_FAILED", `docker (${engine}): cannot remove container ${container}`, { detail: tail(result.stderr, 5) });
      }
      return forkImage === "<no value>" ? "" : forkImage;
    };
    // A workspace container, as createWorkspace and fork start it.
    const runWorkspace = (name: string, workflow: string, workspace: string, image: string, vars: Record<string, string> = {}, workdir?: string, extra: Record<string, string> = {}) =>
      runContainer(
        [
          "-d", "--pull", "never", "--name", name, "--hostname", workspace, ...network, ...(workdir ? ["--workdir", workdir] : []),
          ...labels({ "rigkit.workflow": workflow, "rigkit.workspace": workspace, "rigkit.kind": "workspace", ...extra }),
          ...Object.entries(vars).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
          image, ...KEEPALIVE,
        ],
        image,
      );
    const workspaceName = (workflow: string, workspace: string) => `rigkit-${slug(project.id)}-${slug(workflow)}-${workspace}`;
    const dockerArgv = (args: string[]) => ["docker", ...args];
    // How `rig exec` reaches a container without this code (see ResourceAccess); none for a
    // secret host, whose value must stay out of the state file: exec then loads the config.
    // On a local engine, commands with no stdin run through its API (exec.ts).
    const access = (name: string) =>
      secret ? {} : { access: execAccess(dockerArgv(["exec", "-i", name]), api?.socket ?? null, name, config.host ? { DOCKER_HOST: config.host } : undefined) };

    return {
      // Built-in access (README "Workspaces: access, forks and leases"): over the container claimed in createWorkspace.
      exec: async (workspace, argv, options) => {
        if (api && options.capture && !options.output && stdinDetached()) {
          const direct = await apiExec(api.socket, containerOf(workspace), argv, { signal: options.signal });
          if (direct) return direct;
        }
        return attach(dockerArgv(["exec", "-i", ...(stdinIsTerminal() && !options.capture && !options.output ? ["-t"] : []), containerOf(workspace), ...argv]), {
          env,
          capture: options.capture,
          output: options.output,
          signal: options.signal,
        });
      },
      shell: async (workspace) => {
        if (!stdinIsTerminal()) throw new RigError("USAGE", "rig shell needs a terminal");
        const argv = ["exec", "-it", containerOf(workspace), "sh", "-c", "exec $(command -v bash || echo sh) -l"];
        return (await attach(dockerArgv(argv), { env })).exitCode;
      },
      async stop(workspace) {
        await cli(["stop", "--time", "10", containerOf(workspace)]);
      },
      async start(workspace) {
        await cli(["start", containerOf(workspace)]);
      },
      forward: (workspace, port) => ({ argv: dockerArgv(["exec", "-i", containerOf(workspace), "sh", "-c", connector(port)]), env: env ? { DOCKER_HOST: env.DOCKER_HOST as string } : undefined }),
      async editor(workspace) {
        const container = containerOf(workspace);
        const dir = (await cli(["inspect", "--format", "{{.Config.WorkingDir}}", container])).stdout.trim() || "/";
        const hex = Buffer.from(JSON.stringify({ containerName: `/${container}` })).toString("hex");
        const uri = `vscode-remote://attached-container+${hex}${dir}`;
        return { args: ["--folder-uri", uri], uri };
      },
      // A commit of the live container (paused for the moment it takes, so the copy is
      // consistent; labelled, so gc finds the image), then a new container from it.
      async fork(source, target, options) {
        const from = containerOf(source);
        const name = workspaceName(source.workflow, target.name);
        const tag = `rigkit/${slug(project.id)}:fork-${slug(target.name)}-${Date.now().toString(36)}`;
        const snapshotLabels = { ...identity, "rigkit.workflow": source.workflow, "rigkit.workspace": target.name, "rigkit.kind": "snapshot" };
        const changes = Object.entries(snapshotLabels).flatMap(([k, v]) => ["--change", `LABEL ${k}=${JSON.stringify(v)}`]);
        const image = (await cli(["commit", ...changes, from, tag])).stdout.trim();
        options.log(`committed ${from} as ${tag}`);
        target.claim({ kind: "container", id: name, container: name, engine, ...access(name) });
        target.record({ container: name });
        // The container names its image, so removeWorkspace removes that commit with it.
        await runWorkspace(name, source.workflow, target.name, image, {}, undefined, { "rigkit.fork-image": tag });
        options.log(`started ${name}`);
        return { ...replaceValue(source.ctx, from, name), image };
      },

      // `rig diff` / `rig merge`: the container's working directory (`docker cp` reads a
      // stopped container too), or the same directory in the image it was started from.
      async exportFiles(workspace, { what, into, signal }) {
        const container = containerOf(workspace);
        const [workdir = "", image = ""] = (await cli(["inspect", "--format", "{{.Config.WorkingDir}}\t{{.Image}}", container])).stdout.trim().split("\t");
        if (workdir === "" || workdir === "/") {
          throw new RigError("USAGE", `docker: workspace ${workspace.name} has no working directory to compare`, {
            detail: ["Give createWorkspace a `workdir` (where the project's files are in the image)."],
          });
        }
        const copy = (from: string) => untarFrom(dockerArgv(["cp", `${from}:${workdir}/.`, "-"]), into, { env, signal, what: `workspace ${workspace.name}` });
        if (what === "workspace") {
          await copy(container);
          return into;
        }
        // A container created (never started) from the image, labelled like everything rig makes.
        const scratch = (await cli(["create", "--pull", "never", ...network, ...labels({ "rigkit.kind": "export", "rigkit.workspace": workspace.name }), image, "true"])).stdout.trim();
        try {
          await copy(scratch);
        } finally {
          await cli(["rm", "-f", scratch], { reject: false, cleanup: true });
        }
        return into;
      },
      async checks() {
        const version = await api?.version();
        if (version) return [{ name: "engine", ok: true, message: `Docker ${version} at ${engine}` }];
        const result = await cli(["version", "--format", "{{.Server.Version}}"], { reject: false }).catch((error) => ({
          exitCode: 1,
          stdout: "",
          stderr: messageOf(error),
        }));
        if (result.exitCode === 0) return [{ name: "engine", ok: true, message: `Docker ${result.stdout.trim()} at ${engine}` }];
        // docker's own last words say why (no daemon, no permission, a bad context).
        const reason = result.stderr.trim().split("\n").filter(Boolean).at(-1) ?? `exit ${result.exitCode}`;
        return [{ name: "engine", ok: false, message: `cannot reach Docker at ${engine}: ${reason}` }];
      },

      // Workspace containers, and build containers a killed apply left behind.
      async resources() {
        return (await containers()).filter((c) => c.mine).map(({ name }) => ({ id: `container ${name}`, match: { container: name } }));
      },

      // Snapshot images of this project (by id label, or by directory label after a lost state file).
      async artifacts() {
        const list = async (label: string) =>
          (await cli(["images", "--no-trunc", "--filter", "label=rigkit.kind=snapshot", "--filter", label, "--format", "{{.ID}}\t{{.Repository}}:{{.Tag}}"])).stdout
            .split("\n")
            .filter(Boolean);
        const lines = new Set([...(await list(`label=rigkit.project=${project.id}`)), ...(await list(`label=rigkit.project.dir=${project.dir}`))]);
        return [...lines].map((line) => {
          const [id = "", tag = ""] = line.split("\t");
          return { id: `image ${tag.endsWith(":<none>") ? id : tag}`, match: { ref: id, image: id, tag } };
        });
      },

      async destroy(resource) {
        const { container, image, tag } = resource.match;
        if (container) await removeOwned(container);
        if (image) {
          const labels = await cli(["image", "inspect", "--format", '{{index .Config.Labels "rigkit.project"}}\t{{index .Config.Labels "rigkit.project.dir"}}', image], { reject: false });
          if (labels.exitCode !== 0) return; // already gone
          const [id = "", dir = ""] = labels.stdout.trim().split("\t");
          if (!isMine(id, dir)) throw new RigError("PROVIDER_FAILED", `docker (${engine}): refusing to remove image ${image}: it is not labelled as this project's`);
          // By tag first (the image goes with its last tag); an image a container still uses stays.
          const result = await cli(["rmi", tag && !tag.endsWith(":<none>") ? tag : image], { reject: false });
          if (result.exitCode !== 0 && !/no such image/i.test(result.stderr)) {
            throw new RigError("PROVIDER_FAILED", `docker (${engine}): cannot remove image ${tag || image}`, { detail: tail(result.stderr, 5) });
          }
        }
      },

      // One `docker ps -a` for every workspace on this engine.
      async status(workspaces, { signal }) {
        // (No resources: a workspace from before they were recorded; its context names the container.)
        const containersOf = workspaces.map((ws) =>
          (ws.resources.length > 0 ? ws.resources : typeof ws.ctx.container === "string" ? [{ kind: "container", id: ws.ctx.container }] : [])
            .filter((r) => r.kind === "container")
            .map((r) => r.id),
        );
        if (containersOf.every((names) => names.length === 0)) return workspaces.map(() => "ready" as const); // nothing of ours to ask about
        const listed = await listContainers(signal);
        if (!listed) return workspaces.map((_, i) => (containersOf[i]?.length ? "unreachable" : "ready"));
        const states = new Map(listed.map((c) => [c.name, c.state]));
        return workspaces.map((_, i): LiveStatus => {
          const names = containersOf[i] ?? [];
          const each = names.map((name) => states.get(name));
          if (each.some((state) => state === undefined || state === "dead" || state === "removing")) return "missing";
          return each.every((state) => state === "running" || state === "restarting") ? "ready" : "stopped";
        });
      },

      async validateArtifact(ref) {
        if (ref.kind !== "image" || typeof ref.id !== "string") return true;
        const direct = await api?.hasImage(ref.id);
        if (direct !== undefined && direct !== null) return direct;
        const result = await cli(["image", "inspect", "--format", "{{.Id}}", ref.id], { reject: false });
        if (result.exitCode === 0) return true;
        if (/no such image/i.test(result.stderr)) return false;
        throw new RigError("PROVIDER_FAILED", `docker (${engine}): cannot check image ${ref.id}`, { detail: tail(result.stderr, 5) });
      },

      runtime(ctx: RuntimeContext): DockerRuntime {
        const owner = { "rigkit.workflow": ctx.workflow };
        return {
          async build({ from }, steps) {
            if (!ctx.task) throw new RigError("PROVIDER_FAILED", "docker: build() is for tasks");
            const name = `rigkit-build-${slug(project.id)}-${crypto.randomUUID().slice(0, 8)}`;
            const taskLabels = { ...owner, "rigkit.task": ctx.task.path, "rigkit.kind": "build" };
            const settings = buildSettings(config);
            ctx.log(`starting ${name} from ${imageOf(from)} (${settings.summary})`);
            await runContainer(["-d", "--pull", "never", "--name", name, ...settings.network, ...labels(taskLabels), imageOf(from), ...KEEPALIVE], imageOf(from));
            try {
              if (settings.caBundle) await cli(["cp", "--follow-link", settings.caBundle, `${name}:${CA_PATH}`]);
              const copyIn = async (source: string, destination: string) => {
                await cli(["cp", source, `${name}:${destination}`]);
              };
              await steps({
                name,
                exec: (command, options) => containerExec(name, command, options, settings.env),
                copyIn,
                copyProject: async (destination, options) => {
                  // Staged on this machine, then one `docker cp` (which works for remote engines too).
                  const count = await sendProjectFiles(project.root, options ?? {}, async (stage) => {
                    await containerExec(name, ["mkdir", "-p", destination]);
                    await copyIn(`${stage}/.`, destination);
                  });
                  ctx.log(`copied ${count} project files to ${destination}`);
                },
              });
              // The CA bundle was for the build: not part of the snapshot.
              if (settings.caBundle) await containerExec(name, ["rm", "-f", CA_PATH], { user: "0", cleanup: true });
              const tag = `rigkit/${slug(project.id)}:${slug(`${ctx.workflow}-${ctx.task.path}`)}-${Date.now().toString(36)}`;
              // A `.global()` fragment's image is shared by every project using it: not one project's to collect.
              const kind = ctx.task.dataDir === project.stateDir ? "snapshot" : "shared-snapshot";
              const changes = Object.entries({ ...identity, ...owner, "rigkit.task": ctx.task.path, "rigkit.kind": kind }).flatMap(
                ([k, v]) => ["--change", `LABEL ${k}=${JSON.stringify(v)}`],
              );
              const id = (await cli(["commit", ...changes, name, tag])).stdout.trim();
              ctx.log(`snapshot ${tag} (${id.slice(0, 19)})`);
              return { provider: "docker", kind: "image", id, tag };
            } finally {
              await cli(["rm", "-f", name], { reject: false, cleanup: true });
            }
          },

          async createWorkspace({ image, env: vars = {}, workdir }) {
            const workspace = ctx.workspace;
            if (!workspace) throw new RigError("PROVIDER_FAILED", "docker: createWorkspace() is for workspace hooks");
            const name = workspaceName(ctx.workflow, workspace.name);
            // Claimed before it exists: a crash right after `docker run` still leaves a trail.
            workspace.claim({ kind: "container", id: name, container: name, engine, ...access(name) });
            workspace.record({ container: name });
            await runWorkspace(name, ctx.workflow, workspace.name, imageOf(image), vars, workdir);
            ctx.log(`started ${name}`);
            return { container: name, image: imageOf(image) };
          },

          async removeWorkspace(container) {
            // A fork runs from a commit made for it alone (see fork): that image goes with it.
            const forkImage = await removeOwned(container);
            if (forkImage.startsWith(`rigkit/${slug(project.id)}:fork-`)) await cli(["rmi", forkImage], { reject: false, cleanup: true });
          },

          exec: containerExec,

          shell: (container, options = {}) =>
            runInteractive(
              ["docker", "exec", "-it", ...(options.workdir ? ["--workdir", options.workdir] : []), container, "sh", "-c", "exec $(command -v bash || echo sh) -l"],
              { env },
            ),

          docker: (args, options) => cli(args, { ...options, quiet: false }),
        };
      },
    };
  },
});
