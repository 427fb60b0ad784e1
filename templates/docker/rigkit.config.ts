/**
 * rigkit config: a toolchain image built once, then one container per workspace.
 *
 *   rig apply            build the image (cached until this file changes)
 *   rig create ws1 ws2   two containers from it
 *   rig shell ws1        a shell in one;  rig exec ws1 -- make test
 *   rig stop ws1         stop it (its data stays);  rig start ws1
 *   rig rm --all         remove them
 *
 * rig never pulls an image you did not name: fetch the base once with
 * `docker pull debian:bookworm-slim` (or point RIGKIT_BASE_IMAGE at one you have).
 * DOCKER_HOST and docker contexts pick the engine, remote ones (ssh://…) included.
 */
import { docker, env, workflow } from "rigkit";

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

  // `rig shell ws1`, `rig exec ws1 -- <command>`, `rig stop/start ws1`, `rig forward ws1 <port>`
  // and `rig code ws1` come built in; add this project's own actions with .workspaceOperation().
  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image, workdir: "/work" }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  });
