/**
 * A toolchain image shared by every project of this user: `.global()` caches it under
 * $RIGKIT_HOME/fragments/, so the second project to add it finds it built. Projects
 * import this file and add their own layers on top (see app-a/ and app-b/).
 *
 * The base image is never pulled by rig: `docker pull debian:bookworm-slim` once, or
 * point RIGKIT_BASE_IMAGE at an image you have.
 */
import { docker, env, sequence } from "rigkit";

export const toolchain = sequence("toolchain")
  .addProvider("docker", docker({ network: env("RIGKIT_DOCKER_NETWORK", "") }))
  .configure({ baseImage: process.env.RIGKIT_BASE_IMAGE ?? "debian:bookworm-slim" })
  .task("compilers", async ({ providers, config }) => {
    const image = await providers.docker.build({ from: config.baseImage }, async (c) => {
      // With network access this is where compilers go: apt-get install -y build-essential …
      await c.exec("mkdir -p /opt/toolchain && echo 'cc, make, git' > /opt/toolchain/INSTALLED");
    });
    return { ctx: { toolchain: image } };
  })
  .global();
