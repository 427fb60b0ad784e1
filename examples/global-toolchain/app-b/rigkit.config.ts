/** Project b: the shared toolchain (built once for all projects), then its own layer. */
import { docker, env, workflow, z } from "rigkit";
import { toolchain } from "../toolchain.ts";

export default workflow("app-b")
  .add(toolchain)
  .addProvider("docker", docker({ network: env("RIGKIT_DOCKER_NETWORK", "") }))
  .task("project", async ({ step, providers }) => {
    const image = await providers.docker.build({ from: step.ctx.toolchain }, async (c) => {
      await c.exec("mkdir -p /work && echo 'app-b sources' > /work/README");
    });
    return { ctx: { ...step.ctx, image } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  })
  .workspaceOperation("exec", {
    description: "Run a shell command in the workspace",
    input: z.object({ command: z.string() }),
    run: async ({ input, workspace, providers }) => (await providers.docker.exec(workspace.ctx.container, input.command, { workdir: "/work" })).stdout,
  });
