/**
 * Docker builds that need the network (README "Builds that need the network"): a build
 * container's own network, variables and CA bundle, none of which reaches workspaces or
 * the snapshot; build output streamed as it comes; and `rig init` with a devcontainer.json.
 * Against the real test engine (scripts/test-services.sh).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RIG, project, rig, tempDir } from "../helpers.ts";
import { services } from "../services.ts";

const svc = services("docker");
const dockerEnv = { ...process.env, DOCKER_HOST: svc?.dockerHost };
const docker = (...args: string[]) => Bun.spawnSync(["docker", ...args], { env: dockerEnv, stdout: "pipe", stderr: "pipe" }).stdout.toString().trim();

const BUILD_CONFIG = `import { workflow, docker, env } from "rigkit";
export default workflow("b")
  .addProvider("docker", docker({
    host: env("RIGKIT_TEST_DOCKER_HOST"),
    network: "none",
    build: { network: "host", proxy: true, env: { MODE: "build", TOKEN: env.secret("BUILD_TOKEN"), EMPTY: env("UNSET_ONE", "") }, caBundle: env("CA_FILE") },
  }))
  .task("image", async ({ providers }) => {
    let seen = "";
    const image = await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async (c) => {
      seen = (await c.exec("echo mode=$MODE proxy=$HTTPS_PROXY empty=\${EMPTY-unset} token=\${#TOKEN} ssl=$SSL_CERT_FILE node=$NODE_EXTRA_CA_CERTS pip=$PIP_CERT; head -1 $SSL_CERT_FILE")).stdout;
      const mode = await providers.docker.docker(["inspect", "--format", "{{.HostConfig.NetworkMode}}", c.name]);
      seen += "\\nnetwork=" + mode.stdout.trim();
    });
    return { ctx: { image, seen } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  });
`;

describe.if(svc !== null)("docker build: network, env, CA bundle", () => {
  test("reach the build container, not the snapshot or the workspace; the secret never shows", async () => {
    const ca = join(tempDir(), "ca.pem");
    writeFileSync(ca, "-----BEGIN CERTIFICATE----- rigkit test CA\n");
    const dir = project({ "rigkit.config.ts": BUILD_CONFIG });
    const env = {
      RIGKIT_TEST_DOCKER_HOST: svc?.dockerHost,
      RIGKIT_TEST_DOCKER_IMAGE: svc?.dockerImage,
      BUILD_TOKEN: "s3cret-build-token",
      HTTPS_PROXY: "http://proxy.invalid:3128",
      CA_FILE: ca,
      RIGKIT_HOME: tempDir(),
    };
    const apply = await rig(["apply", "--json"], { cwd: dir, env });
    expect(apply.exitCode).toBe(0);
    const { image, seen } = apply.json().ctx;
    expect(seen.split("\n")).toEqual([
      "mode=build proxy=http://proxy.invalid:3128 empty=unset token=18 ssl=/tmp/rigkit-build-ca.pem node=/tmp/rigkit-build-ca.pem pip=/tmp/rigkit-build-ca.pem",
      "-----BEGIN CERTIFICATE----- rigkit test CA",
      "network=host",
    ]);
    // The log names what the build got, never a value.
    expect(apply.stderr).toContain("(network host, env HTTPS_PROXY, MODE, TOKEN, CA bundle");
    expect(apply.stderr).not.toContain("s3cret-build-token");
    expect(readFileSync(join(dir, ".rigkit", "state.sqlite")).includes("s3cret-build-token")).toBe(false);
    // Nothing of the build's settings is in the image.
    const config = docker("image", "inspect", "--format", "{{json .Config.Env}}", image.id);
    for (const name of ["MODE", "TOKEN", "HTTPS_PROXY", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"]) expect(config).not.toContain(name);
    const create = await rig(["create", "ws1", "--json"], { cwd: dir, env });
    expect(create.exitCode).toBe(0);
    const container = create.json().workspaces[0].ctx.container;
    expect(docker("inspect", "--format", "{{.HostConfig.NetworkMode}}", container)).toBe("none");
    const inside = await rig(["exec", "ws1", "--json", "--", "sh", "-c", "ls /tmp/rigkit-build-ca.pem 2>&1; echo mode=$MODE"], { cwd: dir, env });
    expect(inside.json().stdout).toContain("No such file");
    expect(inside.json().stdout).toContain("mode=\n");
    expect((await rig(["rm", "ws1", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  }, 90_000);

  test("a bad build config is a config error naming the key; a missing CA file fails naming it", async () => {
    const bad = project({ "rigkit.config.ts": BUILD_CONFIG.replace('network: "host", proxy: true', 'network: "host", proxy: "yes"') });
    const env = { RIGKIT_TEST_DOCKER_HOST: svc?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: svc?.dockerImage, BUILD_TOKEN: "t", CA_FILE: "/nonexistent/ca.pem", RIGKIT_HOME: tempDir() };
    const r = await rig(["apply", "--json"], { cwd: bad, env });
    expect(r.exitCode).toBe(2);
    expect(r.error()).toMatchObject({ code: "CONFIG_ERROR" });
    expect(r.error().message).toContain("build.proxy");
    const missing = await rig(["apply", "--json"], { cwd: project({ "rigkit.config.ts": BUILD_CONFIG }), env });
    expect(missing.exitCode).toBe(1);
    expect(missing.error().message).toContain("build.caBundle /nonexistent/ca.pem is not a file on this machine");
  }, 60_000);

  test("each build command's output streams into the log as it comes, in order", async () => {
    const dir = project({
      "rigkit.config.ts": `import { workflow, docker, env } from "rigkit";
export default workflow("s").addProvider("docker", docker({ host: env("RIGKIT_TEST_DOCKER_HOST"), network: "none" }))
  .task("slow", async ({ providers }) => ({ ctx: { image: await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async (c) => {
    await c.exec("for i in 1 2 3 4; do echo retry $i; sleep 0.6; done");
    await c.exec("echo second command");
  }) } }));
`,
    });
    const proc = Bun.spawn([RIG, "apply"], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1", RIGKIT_TEST_DOCKER_HOST: svc?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: svc?.dockerImage, RIGKIT_HOME: tempDir() },
      stdout: "ignore",
      stderr: "pipe",
    });
    const seenAt: [string, number][] = [];
    const start = performance.now();
    let buffered = "";
    for await (const chunk of proc.stderr) {
      buffered += new TextDecoder().decode(chunk);
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (/\| (retry \d|second command)/.test(line)) seenAt.push([line.replace(/^.*\| /, ""), performance.now() - start]);
    }
    expect(await proc.exited).toBe(0);
    expect(seenAt.map(([line]) => line)).toEqual(["retry 1", "retry 2", "retry 3", "retry 4", "second command"]);
    // Streamed, not printed at the end: the first line came well before the last.
    expect((seenAt[3]?.[1] ?? 0) - (seenAt[0]?.[1] ?? 0)).toBeGreaterThan(1200);
  }, 60_000);
});

describe.if(svc !== null)("rig init with a devcontainer.json", () => {
  test("chooses the docker template; plan, apply and create work offline with its image, env, setup commands and ports", async () => {
    const dir = project({
      ".devcontainer/devcontainer.json": `{
  // a comment, as devcontainer.json files have
  "image": "${svc?.dockerImage}",
  "containerEnv": { "APP_MODE": "dev" },
  "postCreateCommand": "echo set up with $APP_MODE > .setup-done",
  "forwardPorts": [3000],
}`,
      "hello.txt": "hi\n",
    });
    const env = { DOCKER_HOST: svc?.dockerHost, RIGKIT_DOCKER_NETWORK: "none", RIGKIT_BUILD_NETWORK: "none", RIGKIT_HOME: tempDir() };
    const init = await rig(["init", "--json"], { cwd: dir, env });
    expect(init.exitCode).toBe(0);
    expect(init.json()).toMatchObject({ template: "docker", detected: { kind: "plain", devcontainer: { image: svc?.dockerImage, forwardPorts: [3000] } } });
    expect((await rig(["plan", "--json"], { cwd: dir, env })).json().nodes.map((n: { path: string }) => n.path)).toEqual(["toolchain", "deps", "source"]);
    const apply = await rig(["apply", "--json"], { cwd: dir, env });
    expect(apply.exitCode).toBe(0);
    expect(apply.json().ran).toEqual(["toolchain", "deps", "source"]);
    expect((await rig(["create", "ws1", "--json"], { cwd: dir, env })).exitCode).toBe(0);
    const exec = await rig(["exec", "ws1", "--json", "--", "sh", "-c", "pwd; cat hello.txt .setup-done; echo $APP_MODE; ls -A"], { cwd: dir, env });
    expect(exec.json().stdout).toBe("/work\nhi\nset up with dev\ndev\n.devcontainer\n.gitignore\n.setup-done\nhello.txt\n");
    expect((await rig(["ws1/ports", "--json"], { cwd: dir, env })).json()).toEqual(["rig forward ws1 3000"]);
    // A one-line edit rebuilds the source layer only.
    writeFileSync(join(dir, "hello.txt"), "edited\n");
    expect((await rig(["apply", "--json"], { cwd: dir, env })).json()).toMatchObject({ ran: ["source"], cached: ["toolchain", "deps"] });
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  }, 120_000);

  test("a devcontainer built from its Dockerfile: the build is the toolchain, and a changed Dockerfile rebuilds it", async () => {
    const dir = project({
      ".devcontainer/devcontainer.json": '{ "build": { "dockerfile": "Dockerfile" }, "workspaceFolder": "/src" }',
      ".devcontainer/Dockerfile": `FROM ${svc?.dockerImage}\nRUN echo from the Dockerfile > /toolchain.txt\n`,
      "hello.txt": "hi\n",
    });
    const env = { DOCKER_HOST: svc?.dockerHost, RIGKIT_DOCKER_NETWORK: "none", RIGKIT_BUILD_NETWORK: "none", RIGKIT_HOME: tempDir() };
    expect((await rig(["init"], { cwd: dir, env })).exitCode).toBe(0);
    const apply = await rig(["apply", "--json"], { cwd: dir, env });
    expect(apply.exitCode).toBe(0);
    const toolchain = apply.json().ctx.toolchain;
    expect(toolchain).toMatchObject({ provider: "docker", kind: "image", id: expect.stringMatching(/^sha256:/) });
    expect((await rig(["create", "ws1"], { cwd: dir, env })).exitCode).toBe(0);
    const exec = await rig(["exec", "ws1", "--json", "--", "sh", "-c", "pwd; cat /toolchain.txt hello.txt"], { cwd: dir, env });
    expect(exec.json().stdout).toBe("/src\nfrom the Dockerfile\nhi\n");
    expect((await rig(["rm", "ws1", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    // A changed Dockerfile rebuilds the toolchain and what follows.
    writeFileSync(join(dir, ".devcontainer", "Dockerfile"), `FROM ${svc?.dockerImage}\nRUN echo changed > /toolchain.txt\n`);
    expect((await rig(["plan", "--json"], { cwd: dir, env })).json().nodes[0]).toMatchObject({ path: "toolchain", reason: "inputs-changed" });
  }, 120_000);
});
