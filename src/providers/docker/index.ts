/**
 * `docker({ host?, network? })`: containers through the Docker engine, driven with the
 * `docker` CLI, so DOCKER_HOST, docker contexts and `ssh://` engines work as they do for
 * the user. Nothing is pulled from a registry the config does not name.
 *
 * Tasks: `build({ from }, async (c) => …)` starts a temporary container, lets the task
 * run commands and copy files in, snapshots it into an image (an artifact ref in the
 * context) and always removes the container. Workspaces: long-running containers started
 * from such an image. Everything carries `rigkit.*` labels so `rig gc` can find orphans.
 */
import { RigError, messageOf } from "../../errors.ts";
import { runCommand, runInteractive, tail } from "../../host/local.ts";
import { script, stoppable } from "../../host/stoppable.ts";
import { type ArtifactRef, type RuntimeContext, defineProvider } from "../../sdk/provider.ts";
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
}

export interface DockerRuntime {
  /**
   * Starts a temporary container from `from`, runs `steps` against it, and snapshots it
   * into an image. The container is removed afterwards, also when a step fails.
   */
  build(options: { from: string | DockerImageRef }, steps: (container: Container) => Promise<void>): Promise<DockerImageRef>;
  /** Workspace hooks: starts the workspace's long-running container from an image. */
  createWorkspace(options: { image: string | DockerImageRef; env?: Record<string, string> }): Promise<{ container: string; image: string }>;
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

export const docker = defineProvider<DockerConfig, DockerRuntime>({
  id: "docker",
  create({ config, project }) {
    const engine = config.host ?? process.env.DOCKER_HOST ?? "the default engine";
    const env = config.host ? { ...process.env, DOCKER_HOST: config.host } : undefined;
    // The provider's own docker calls are quiet; commands run *in* containers are logged.
    const cli = (args: readonly string[], options: ExecOptions & { label?: string; quiet?: boolean; display?: string; holdStdin?: boolean } = {}) =>
      runCommand(["docker", ...args], { env, label: `docker (${engine})`, quiet: true, ...options });
    const network = config.network ? ["--network", config.network] : [];
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
    const labels = (extra: Record<string, string>) =>
      Object.entries({ "rigkit.project": project.id, ...extra }).flatMap(([k, v]) => ["--label", `${k}=${v}`]);

    // Without input, the command is wrapped to stop when rig does (see host/stoppable.ts):
    // killing the `docker exec` client alone leaves the process running in the container.
    const containerExec = (name: string, command: readonly string[] | string, options: ContainerExecOptions = {}) => {
      const held = options.input === undefined && !options.cleanup;
      const argv = held ? ["sh", "-c", stoppable(script(command))] : typeof command === "string" ? ["sh", "-c", command] : [...command];
      const flags = [
        "-i",
        ...(options.workdir ? ["--workdir", options.workdir] : []),
        ...(options.user ? ["--user", options.user] : []),
        ...Object.entries(options.env ?? {}).flatMap(([k, v]) => (v === undefined ? [] : ["--env", `${k}=${v}`])),
      ];
      return cli(["exec", ...flags, name, ...argv], {
        input: options.input,
        reject: options.reject,
        cleanup: options.cleanup,
        holdStdin: held,
        label: `docker container ${name}`,
        display: script(command),
        quiet: false,
      });
    };

    return {
      async checks() {
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
        const listed = await cli(["ps", "-a", "--filter", `label=rigkit.project=${project.id}`, "--format", '{{.Names}}\t{{.Label "rigkit.kind"}}']);
        return listed.stdout
          .split("\n")
          .filter(Boolean)
          .map((line) => line.split("\t")[0] as string)
          .map((name) => ({ id: `container ${name}`, match: { container: name } }));
      },

      async destroy(resource) {
        const name = resource.match.container;
        if (name) await cli(["rm", "-f", name], { reject: false });
      },

      async validateArtifact(ref) {
        if (ref.kind !== "image" || typeof ref.id !== "string") return true;
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
            ctx.log(`starting ${name} from ${imageOf(from)}`);
            await runContainer(["-d", "--pull", "never", "--name", name, ...network, ...labels(taskLabels), imageOf(from), ...KEEPALIVE], imageOf(from));
            try {
              await steps({
                name,
                exec: (command, options) => containerExec(name, command, options),
                copyIn: async (source, destination) => {
                  await cli(["cp", source, `${name}:${destination}`]);
                },
              });
              const tag = `rigkit/${slug(project.id)}:${slug(`${ctx.workflow}-${ctx.task.path}`)}-${Date.now().toString(36)}`;
              const changes = Object.entries({ "rigkit.project": project.id, ...owner, "rigkit.task": ctx.task.path, "rigkit.kind": "snapshot" }).flatMap(
                ([k, v]) => ["--change", `LABEL ${k}=${JSON.stringify(v)}`],
              );
              const id = (await cli(["commit", ...changes, name, tag])).stdout.trim();
              ctx.log(`snapshot ${tag} (${id.slice(0, 19)})`);
              return { provider: "docker", kind: "image", id, tag };
            } finally {
              await cli(["rm", "-f", name], { reject: false, cleanup: true });
            }
          },

          async createWorkspace({ image, env: vars = {} }) {
            const workspace = ctx.workspace;
            if (!workspace) throw new RigError("PROVIDER_FAILED", "docker: createWorkspace() is for workspace hooks");
            const name = `rigkit-${slug(project.id)}-${slug(ctx.workflow)}-${workspace.name}`;
            // Recorded before it exists: a crash right after `docker run` still leaves a trail.
            workspace.record({ container: name });
            await runContainer([
              "-d", "--pull", "never", "--name", name, "--hostname", workspace.name, ...network,
              ...labels({ ...owner, "rigkit.workspace": workspace.name, "rigkit.kind": "workspace" }),
              ...Object.entries(vars).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
              imageOf(image), ...KEEPALIVE,
            ], imageOf(image));
            ctx.log(`started ${name}`);
            return { container: name, image: imageOf(image) };
          },

          async removeWorkspace(container) {
            const result = await cli(["rm", "-f", container], { reject: false, cleanup: true });
            if (result.exitCode !== 0 && !/no such container/i.test(result.stderr)) {
              throw new RigError("PROVIDER_FAILED", `docker (${engine}): cannot remove container ${container}`, {
                detail: tail(result.stderr, 5),
              });
            }
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
