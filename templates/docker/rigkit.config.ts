/**
 * rigkit config: a toolchain image built once, then one container per workspace.
 *
 *   rig apply            build the image (cached until this file changes)
 *   rig create ws1 ws2   two containers from it
 *   rig ws1/shell        a shell in one;  rig ws1/exec --command "make test"
 *   rig rm --all         remove them
 *
 * rig never pulls an image you did not name: fetch the base once with
 * `docker pull debian:bookworm-slim` (or point RIGKIT_BASE_IMAGE at one you have).
 * DOCKER_HOST and docker contexts pick the engine, remote ones (ssh://…) included.
 */
import { docker, env, workflow, z } from "rigkit";

export default workflow("app")
  .addProvider("docker", docker({ network: env("RIGKIT_DOCKER_NETWORK", "") }))
  .configure({ baseImage: process.env.RIGKIT_BASE_IMAGE ?? "debian:bookworm-slim" })

  // The toolchain layer: install compilers and tools here (a changed line rebuilds it).
  .task("toolchain", async ({ providers, config }) => {
    const image = await providers.docker.build({ from: config.baseImage }, async (c) => {
      await c.exec("mkdir -p /work && echo 'prepared by rigkit' > /work/README");
    });
    return { ctx: { toolchain: image } };
  })

  // The project layer, on top of the toolchain: sources and dependencies.
  .task("project", async ({ step, providers }) => {
    const image = await providers.docker.build({ from: step.ctx.toolchain }, async (c) => {
      await c.copyIn("rigkit.config.ts", "/work/rigkit.config.ts");
    });
    return { ctx: { ...step.ctx, image } };
  })

  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  })

  .workspaceOperation("shell", {
    description: "Open a shell in the workspace's container",
    run: async ({ workspace, providers }) => {
      // A shell's exit code is that of the last command typed in it: not this action's failure.
      await providers.docker.shell(workspace.ctx.container, { workdir: "/work" });
    },
  })

  .workspaceOperation("exec", {
    description: "Run a shell command in the workspace's container",
    input: z.object({ command: z.string().describe("the shell command to run") }),
    run: async ({ input, workspace, providers }) => {
      // A failing command fails the action (exit 1, with its stderr); its output is in the result otherwise.
      const result = await providers.docker.exec(workspace.ctx.container, input.command, { workdir: "/work" });
      return { stdout: result.stdout, stderr: result.stderr };
    },
  });
