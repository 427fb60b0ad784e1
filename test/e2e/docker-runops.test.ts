/**
 * Operations on Docker workspaces against a real engine: nothing of an operation runs on
 * a stopped or removed container, and a Docker host given as env.secret() works for
 * create, exec, ls, operations and rm without its value reaching state or output.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { project, rig, tempDir } from "../helpers.ts";
import { services } from "../services.ts";

const svc = services("docker");
const docker = (...args: string[]) => Bun.spawnSync(["docker", ...args], { env: { ...process.env, DOCKER_HOST: svc?.dockerHost }, stdout: "pipe", stderr: "pipe" });

const config = (host: string) => `import { workflow, docker, env } from "rigkit";
import { writeFileSync } from "node:fs";
export default workflow("d")
  .addProvider("docker", docker({ host: ${host}, network: "none" }))
  .task("image", async ({ providers }) => ({ ctx: { image: await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async () => {}) } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  })
  .workspaceOperation("touch", {
    // A side effect on the host first thing: it must not happen unless the workspace is ready.
    run: async ({ workspace, providers }) => {
      writeFileSync(process.env.SIDE_EFFECT!, "ran");
      return providers.docker.exec(workspace.ctx.container, ["sh", "-c", "echo in-container; exit 7"], { reject: false });
    },
  });
`;

/** Every byte rig wrote for the project: its state file (WAL included) and logs. */
function stateBytes(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) parts.push(readFileSync(path, "latin1"));
    }
  };
  walk(join(dir, ".rigkit"));
  return parts.join("\n");
}

describe.if(svc !== null)("docker workspaces: readiness first, secret hosts", () => {
  const image = svc?.dockerImage;

  test.each([
    ["docker stop", "stopped", "rig start ws1"],
    ["docker rm -f", "missing", "rig rm ws1"],
  ])("an operation on a container after %s: WORKSPACE_NOT_READY, and nothing of it ran", async (how, state, next) => {
    const dir = project({ "rigkit.config.ts": config(`env("RIGKIT_TEST_DOCKER_HOST")`) });
    const mark = join(tempDir(), "side-effect");
    const env = { RIGKIT_TEST_DOCKER_HOST: svc?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: image, SIDE_EFFECT: mark };
    const created = await rig(["create", "ws1", "--json"], { cwd: dir, env });
    expect(created.exitCode).toBe(0);
    const container = created.json().workspaces[0].ctx.container as string;
    // Ready: it runs, and rig exits with the command's code.
    const ok = await rig(["ws1/touch", "--json"], { cwd: dir, env });
    expect(ok.exitCode).toBe(7);
    expect(ok.json()).toMatchObject({ exitCode: 7, stdout: "in-container" });
    expect(existsSync(mark)).toBe(true);
    Bun.spawnSync(["rm", "-f", mark]);

    const argv = how === "docker stop" ? ["stop", "--time", "1", container] : ["rm", "-f", container];
    expect(docker(...argv).exitCode).toBe(0);
    for (const json of [true, false]) {
      const r = await rig(["ws1/touch", ...(json ? ["--json"] : [])], { cwd: dir, env });
      expect(r.exitCode).toBe(1);
      expect(existsSync(mark)).toBe(false);
      if (json) expect(r.error()).toMatchObject({ code: "WORKSPACE_NOT_READY", workspace: "ws1", message: `Workspace ws1 is not ready (${state})` });
      else expect(r.stderr).toContain(next);
    }
    await rig(["rm", "ws1", "--yes", "--force"], { cwd: dir, env });
  }, 60_000);

  test("a host given as env.secret(): create, exec, ls, an operation, gc and rm work; its value is never in state or output", async () => {
    const dir = project({ "rigkit.config.ts": config(`env.secret("DOCKER_HOST_FOR_TEST")`) });
    const secret = svc?.dockerHost as string;
    const mark = join(tempDir(), "side-effect");
    const env = { DOCKER_HOST_FOR_TEST: secret, RIGKIT_TEST_DOCKER_IMAGE: image, SIDE_EFFECT: mark, DOCKER_HOST: "unix:///nonexistent/docker.sock" };
    const outputs: string[] = [];
    const run = async (args: string[], extra: Record<string, string | undefined> = {}) => {
      const r = await rig(args, { cwd: dir, env: { ...env, ...extra } });
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    const created = await run(["create", "ws1", "--json"]);
    expect(created.exitCode).toBe(0);
    const container = created.json().workspaces[0].ctx.container as string;
    // What stands in for the value in its claim: the secret's name.
    expect(stateBytes(dir)).toContain("the engine in secret DOCKER_HOST_FOR_TEST");
    expect(docker("inspect", "--format", "{{.State.Running}}", container).stdout.toString().trim()).toBe("true");

    const exec = await run(["exec", "ws1", "--json", "--", "sh", "-c", "echo hi from $(hostname); exit 4"]);
    expect(exec.exitCode).toBe(4);
    expect(exec.json().stdout).toMatch(/^hi from /);

    // Several at once, through the docker provider's line-by-line exec.
    const all = await run(["exec", "--all", "--", "sh", "-c", "echo one; echo two >&2; exit 2"]);
    expect(all.exitCode).toBe(2);
    expect(all.stdout).toBe("ws1 | one\n");
    expect(all.stderr).toContain("ws1 | two\n");

    const ls = await run(["ls", "--json"]);
    expect(ls.json().workspaces[0]).toMatchObject({ name: "ws1", status: "ready" });
    // Without the secret, its engine cannot be asked: unreachable, not a guess.
    const blind = await run(["ls", "--json"], { DOCKER_HOST_FOR_TEST: undefined });
    expect(blind.json().workspaces[0].status).toBe("unreachable");

    const op = await run(["ws1/touch", "--json"]);
    expect(op.exitCode).toBe(7);
    expect(existsSync(mark)).toBe(true);

    const gc = await run(["gc", "--dry-run", "--json"]);
    expect(gc.exitCode).toBe(0);

    const rm = await run(["rm", "ws1", "--yes", "--json"]);
    expect(rm.exitCode).toBe(0);
    expect(docker("inspect", container).exitCode).not.toBe(0);

    expect(stateBytes(dir)).not.toContain(secret);
    expect(stateBytes(dir)).not.toContain(secret.replace("unix://", ""));
    for (const text of outputs) expect(text).not.toContain(secret.replace("unix://", ""));
  }, 90_000);
});
