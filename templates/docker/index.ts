/**
 * rigkit config (written by `rig init`): an image with the dependencies installed, the
 * sources laid over it in a second image, and one container per workspace.
 *
 *   rig apply            build the images (each cached until what it depends on changes)
 *   rig create ws1 ws2   two containers from the result
 *   rig ws1/test         the project's tests in one (a failure fails rig)
 *   rig shell ws1;  rig exec ws1 -- ls;  rig stop ws1;  rig rm --all
 *
 * rig never pulls an image you did not name: fetch the base once (`docker pull <image>`),
 * or point RIGKIT_BASE_IMAGE at one you have. DOCKER_HOST and docker contexts pick the engine.
 *
 * Builds and workspaces are networked separately. Builds (which download dependencies) get
 * RIGKIT_BUILD_NETWORK (default: the engine's default network), your proxy variables
 * (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, as set when rig runs) and, with RIGKIT_CA_BUNDLE, a CA
 * bundle; none of them stays in the image. Workspaces get RIGKIT_DOCKER_NETWORK (e.g.
 * "none": `rig forward` still reaches them). Offline: RIGKIT_BUILD_NETWORK=none.
 */
import { type DockerImageRef, docker, env, workflow } from "rigkit";

// What `rig init` found in this project. Part of every task's cache key: edit it and they rerun.
const project = {
  image: "debian:bookworm-slim",
  dockerfile: null as { file: string; context: string } | null,
  workdir: "/work",
  depsFiles: [] as string[],
  install: null as string | null,
  develop: null as string | null,
  test: "echo 'no test command: set project.test in rigkit/index.ts' >&2; exit 1",
  setup: [] as string[],
  env: {} as Record<string, string>,
  ports: [] as (number | string)[],
};

export default workflow("app")
  .addProvider(
    "docker",
    docker({
      network: env("RIGKIT_DOCKER_NETWORK", ""),
      build: { network: env("RIGKIT_BUILD_NETWORK", ""), proxy: true, caBundle: env("RIGKIT_CA_BUNDLE", "") },
    }),
  )
  .configure({ ...project, image: process.env.RIGKIT_BASE_IMAGE ?? project.image })

  // The toolchain: the base image, or the devcontainer's Dockerfile built (keyed on its
  // build context; on the build network). A ref, so an image removed later is rebuilt.
  .task("toolchain", { inputs: project.dockerfile ? [`${project.dockerfile.context}/**`, project.dockerfile.file] : [] }, async ({ providers, config }) => {
    if (!config.dockerfile) return { ctx: { toolchain: config.image as string | DockerImageRef } };
    const network = process.env.RIGKIT_BUILD_NETWORK ? ["--network", process.env.RIGKIT_BUILD_NETWORK] : [];
    const built = await providers.docker.docker(["build", "--quiet", ...network, "--file", config.dockerfile.file, config.dockerfile.context]);
    const image: DockerImageRef = { provider: "docker", kind: "image", id: built.stdout.trim(), tag: "" };
    return { ctx: { toolchain: image as string | DockerImageRef } };
  })

  // The dependencies, keyed on the manifest and lock files only.
  .task("deps", { inputs: project.depsFiles }, async ({ step, providers, config }) => {
    const image = await providers.docker.build({ from: step.ctx.toolchain }, async (c) => {
      await c.exec(["mkdir", "-p", config.workdir]);
      await c.copyProject(config.workdir, { only: config.depsFiles });
      if (config.install) await c.exec(config.install, { workdir: config.workdir, env: config.env });
    });
    return { ctx: { ...step.ctx, deps: image } };
  })

  // The project's files over them (not .git, git-ignored files or rig's own), the project's
  // own code made importable (`develop`), then the devcontainer's setup commands. Keyed on
  // every project file: a one-line edit reruns this layer only.
  .task("source", { inputs: ["**"] }, async ({ step, providers, config }) => {
    const image = await providers.docker.build({ from: step.ctx.deps }, async (c) => {
      await c.copyProject(config.workdir);
      if (config.develop) await c.exec(config.develop, { workdir: config.workdir, env: config.env });
      for (const command of config.setup) await c.exec(command, { workdir: config.workdir, env: config.env });
    });
    return { ctx: { ...step.ctx, image } };
  })

  // `rig shell ws1`, `rig exec ws1 -- <command>`, `rig stop/start ws1`, `rig forward ws1 <port>`
  // and `rig code ws1` come built in.
  .workspace({
    create: async ({ workflow, providers }) =>
      providers.docker.createWorkspace({ image: workflow.ctx.image, workdir: project.workdir, env: project.env }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  })
  // A failing test command fails the operation, so `rig ws1/test` exits non-zero.
  .workspaceOperation("test", {
    description: "Run the project's tests in the workspace",
    run: async ({ workspace, providers }) => {
      await providers.docker.exec(workspace.ctx.container, project.test, { workdir: project.workdir, env: project.env });
    },
  })
  .workspaceOperation("ports", {
    description: "The ports the devcontainer forwards, and how to reach them",
    run: async ({ workspace }) => project.ports.map((port) => (typeof port === "number" ? `rig forward ${workspace.name} ${port}` : `${port} (another service)`)),
  });
