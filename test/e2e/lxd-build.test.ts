/**
 * LXD builds that need the network (README "Builds that need the network"): a build
 * instance's own network device or profiles, variables and CA bundle, none of which
 * reaches the snapshot or the workspaces made from it. Against the real test cluster
 * (scripts/test-services-lxd.sh makes the managed network `rigkit-build`, a macvlan on a
 * dummy interface: no traffic leaves this machine).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { project, rig, tempDir } from "../helpers.ts";
import { services } from "../services.ts";

const svc = services("lxd");
const lxc = (...args: string[]) => {
  const r = Bun.spawnSync(["lxc", ...args], { env: { ...process.env, LXD_DIR: svc?.lxd.dirs[0] }, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString().trim(), err: r.stderr.toString() };
};
const made: string[] = [];
const profile = `rigkit-test-nic-${process.pid}`;
afterAll(() => {
  for (const i of JSON.parse(lxc("list", "--format", "json").out || "[]") as { name: string; config: Record<string, string> }[]) {
    if (made.includes(i.config["user.rigkit.project.dir"] ?? "")) lxc("delete", "-f", i.name);
  }
  lxc("profile", "delete", profile);
});

const config = (build: string) => `import { workflow, lxd, env } from "rigkit";
export default workflow("b")
  .addProvider("lxd", lxd({ remote: env("RIGKIT_TEST_LXD_REMOTE"), build: ${build} }))
  .task("base", async ({ providers }) => {
    let seen = "";
    const base = await providers.lxd.build({ from: process.env.RIGKIT_TEST_LXD_IMAGE! }, async (c) => {
      seen = (await c.exec("echo mode=$MODE proxy=$HTTPS_PROXY token=\${#TOKEN} ssl=$SSL_CERT_FILE node=$NODE_EXTRA_CA_CERTS; head -1 $SSL_CERT_FILE; ls /sys/class/net | tr '\\\\n' ' '")).stdout;
    });
    return { ctx: { base, seen } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.lxd.createWorkspace({ from: workflow.ctx.base, workdir: "/" }),
    remove: async ({ workspace, providers }) => providers.lxd.removeWorkspace(workspace.ctx.instance),
  });
`;

describe.if(svc !== null)("lxd build: network, profiles, env, CA bundle", () => {
  const env = { RIGKIT_TEST_LXD_REMOTE: `unix://${svc?.lxd.socket}`, RIGKIT_TEST_LXD_IMAGE: svc?.lxd.image };

  test("reach the build instance, not the snapshot or the workspaces; the secret never shows", async () => {
    const ca = join(tempDir(), "ca.pem");
    writeFileSync(ca, "-----BEGIN CERTIFICATE----- rigkit test CA\n");
    const dir = project({
      "rigkit.config.ts": config(`{ network: "rigkit-build", proxy: true, env: { MODE: "build", TOKEN: env.secret("BUILD_TOKEN") }, caBundle: env("CA_FILE") }`),
    });
    made.push(dir);
    const all = { ...env, BUILD_TOKEN: "s3cret-build-token", HTTPS_PROXY: "http://proxy.invalid:3128", CA_FILE: ca, RIGKIT_HOME: tempDir() };
    const apply = await rig(["apply", "--json"], { cwd: dir, env: all });
    expect(apply.exitCode).toBe(0);
    const { base, seen } = apply.json().ctx;
    const lines = seen.trim().split("\n");
    expect(lines.slice(0, 2)).toEqual(["mode=build proxy=http://proxy.invalid:3128 token=18 ssl=/tmp/rigkit-build-ca.pem node=/tmp/rigkit-build-ca.pem", "-----BEGIN CERTIFICATE----- rigkit test CA"]);
    // The build had a network device besides loopback.
    expect(lines[2]?.trim().split(" ").sort().length).toBe(2);
    expect(apply.stderr).toContain("(network rigkit-build, env HTTPS_PROXY, MODE, TOKEN, CA bundle");
    expect(apply.stderr).not.toContain("s3cret-build-token");
    expect(readFileSync(join(dir, ".rigkit", "state.sqlite")).includes("s3cret-build-token")).toBe(false);
    // Neither the base nor its snapshot keeps the device.
    expect(lxc("config", "device", "list", base.instance).out).toBe("");
    const create = await rig(["create", "ws1"], { cwd: dir, env: all });
    expect(create.exitCode).toBe(0);
    const inside = await rig(["exec", "ws1", "--json", "--", "sh", "-c", "ls /sys/class/net; ls /tmp/rigkit-build-ca.pem 2>&1; echo mode=$MODE proxy=$HTTPS_PROXY"], { cwd: dir, env: all });
    expect(inside.json().stdout).toBe("lo\nls: /tmp/rigkit-build-ca.pem: No such file or directory\nmode= proxy=\n");
    expect((await rig(["rm", "ws1", "--yes"], { cwd: dir, env: all })).exitCode).toBe(0);
  }, 120_000);

  test("build.profiles: build instances get them, workspaces the provider's", async () => {
    expect(lxc("profile", "create", profile).code).toBe(0);
    expect(lxc("profile", "device", "add", profile, "net", "nic", "network=rigkit-build").code).toBe(0);
    const dir = project({ "rigkit.config.ts": config(`{ profiles: ["default", "${profile}"] }`) });
    made.push(dir);
    const all = { ...env, RIGKIT_HOME: tempDir() };
    const apply = await rig(["apply", "--json"], { cwd: dir, env: all });
    expect(apply.exitCode).toBe(0);
    expect(apply.json().ctx.seen.trim().split("\n").at(-1).trim().split(" ").length).toBe(2);
    expect(apply.stderr).toContain(`(profiles default, ${profile})`);
    expect((await rig(["create", "ws1"], { cwd: dir, env: all })).exitCode).toBe(0);
    expect((await rig(["exec", "ws1", "--", "ls", "/sys/class/net"], { cwd: dir, env: all })).stdout).toBe("lo\n");
    expect((await rig(["rm", "ws1", "--yes"], { cwd: dir, env: all })).exitCode).toBe(0);
  }, 120_000);

  test("a bad build config is a config error naming the key", async () => {
    const dir = project({ "rigkit.config.ts": config(`{ proxy: "yes", netwrok: "x" }`) });
    const r = await rig(["apply", "--json"], { cwd: dir, env: { ...env, RIGKIT_HOME: tempDir() } });
    expect(r.exitCode).toBe(2);
    expect(r.error()).toMatchObject({ code: "CONFIG_ERROR" });
    expect(r.error().message).toContain("build.proxy");
  });

  test("a missing CA file fails naming it, and leaves no instance", async () => {
    const dir = project({ "rigkit.config.ts": config(`{ caBundle: "/nonexistent/ca.pem" }`) });
    made.push(dir);
    const apply = await rig(["apply"], { cwd: dir, env: { ...env, RIGKIT_HOME: tempDir() } });
    expect(apply.exitCode).not.toBe(0);
    expect(apply.stderr).toContain("lxd: build.caBundle /nonexistent/ca.pem is not a file on this machine");
    const left = (JSON.parse(lxc("list", "--format", "json").out || "[]") as { config: Record<string, string> }[]).filter((i) => i.config["user.rigkit.project.dir"] === dir);
    expect(left).toEqual([]);
  }, 60_000);
});
