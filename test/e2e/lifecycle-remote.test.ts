/** Built-in workspace access on Docker containers and ssh hosts (real engine, real sshd). */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { RIG, project, rig, tempDir, homeOf } from "../helpers.ts";
import { services } from "../services.ts";

setDefaultTimeout(90_000);

const dockerSvc = services("docker");
const sshSvc = services("ssh");

/** Starts `rig forward` and resolves once it prints what it forwards. */
async function forward(args: string[], cwd: string, env: Record<string, string | undefined>) {
  const proc = Bun.spawn([RIG, "forward", ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", RIGKIT_HOME: homeOf(cwd), ...env } as Record<string, string>,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  let seen = "";
  while (!seen.includes("Press Ctrl-C")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`rig forward ended early: ${seen} ${await new Response(proc.stderr).text()}`);
    seen += new TextDecoder().decode(value);
  }
  return { proc, printed: seen };
}

const hasTmux = Bun.which("tmux") !== null;
if (!hasTmux && process.env.CI) throw new Error("tmux is not installed: .ci/run must install it");
const sessions: string[] = [];
afterAll(() => {
  for (const s of sessions) Bun.spawnSync(["tmux", "kill-session", "-t", s]);
});

/**
 * Runs `rig shell <ws>` on a real terminal (tmux), types `echo IN=$(pwd)` into the shell,
 * and returns the directory it printed; then exits the shell and waits for rig to end.
 */
async function shellPwd(dir: string, workspace: string, env: Record<string, string | undefined>): Promise<string> {
  const bin = tempDir();
  symlinkSync(RIG, join(bin, "rig"));
  const name = `rigsh${process.pid}x${sessions.length}`;
  sessions.push(name);
  const tmux = (...args: string[]) => Bun.spawnSync(["tmux", ...args], { stdout: "pipe", stderr: "pipe" });
  const vars = { HOME: dir, PATH: `${bin}:${process.env.PATH}`, RIGKIT_HOME: homeOf(dir), TERM: "xterm", SHELL: "/bin/sh", PS1: "$ ", ...env };
  const exports = Object.entries(vars).map(([k, v]) => `${k}='${v ?? ""}'`).join(" ");
  tmux("new-session", "-d", "-s", name, "-x", "150", "-y", "30", "-c", dir, `env -i ${exports} bash --norc --noprofile`);
  const waitFor = async (pattern: RegExp) => {
    for (let i = 0; i < 400; i++) {
      const text = tmux("capture-pane", "-p", "-t", name).stdout.toString();
      const match = pattern.exec(text);
      if (match) return match;
      await Bun.sleep(50);
    }
    throw new Error(`the terminal never showed ${pattern}:\n${tmux("capture-pane", "-p", "-t", name).stdout}`);
  };
  const type = (line: string) => {
    tmux("send-keys", "-t", name, "-l", line);
    tmux("send-keys", "-t", name, "Enter");
  };
  type(`rig shell ${workspace}; echo SHELL-DONE=$?`);
  type("echo IN=$(pwd)");
  const where = (await waitFor(/^IN=(\S+)$/m))[1] as string;
  type("exit");
  await waitFor(/SHELL-DONE=0/);
  return where;
}

/** A free local port (the kernel's choice). */
function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

describe.if(dockerSvc !== null)("docker workspaces", () => {
  const env = { RIGKIT_TEST_DOCKER_HOST: dockerSvc?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: dockerSvc?.dockerImage };
  const docker = (...args: string[]) => {
    const r = Bun.spawnSync(["docker", ...args], { env: { ...process.env, DOCKER_HOST: dockerSvc?.dockerHost }, stdout: "pipe", stderr: "pipe" });
    return r.stdout.toString().trim();
  };
  const dir = project({
    "rigkit.config.ts": `import { workflow, docker, env } from "rigkit";
export default workflow("d")
  .addProvider("docker", docker({ host: env("RIGKIT_TEST_DOCKER_HOST"), network: "none" }))
  .task("image", async ({ providers }) => {
    const image = await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async (c) => {
      await c.exec("mkdir -p /www && echo hello-from-httpd > /www/index.html");
    });
    return { ctx: { image } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  });
`,
  });
  let container = "";
  // A test failing half-way must not leave containers or images behind.
  afterAll(async () => {
    await rig(["rm", "--all", "--yes", "--force"], { cwd: dir, env });
    const db = new Database(join(dir, ".rigkit/state.sqlite"), { readonly: true });
    const id = (db.query("SELECT value FROM meta WHERE key = 'project_id'").get() as { value: string } | null)?.value;
    db.close();
    if (id) for (const image of docker("images", "-q", "--filter", `label=rigkit.project=${id}`).split("\n").filter(Boolean)) docker("rmi", "-f", image);
  });

  test("exec: exit code, streams, the container's working directory", async () => {
    const created = await rig(["create", "c1", "--json"], { cwd: dir, env });
    expect(created.exitCode).toBe(0);
    container = created.json().workspaces[0].ctx.container;
    const r = await rig(["exec", "c1", "--", "sh", "-c", "echo out; echo err >&2; exit 7"], { cwd: dir, env });
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([7, "out\n", "err\n"]);
    expect((await rig(["exec", "c1", "--json", "--", "sh", "-c", "echo out; echo err >&2; exit 7"], { cwd: dir, env })).json()).toEqual({
      exitCode: 7,
      stdout: "out\n",
      stderr: "err\n",
    });
    const workdir = docker("inspect", "--format", "{{.Config.WorkingDir}}", container) || "/";
    expect((await rig(["exec", "c1", "pwd"], { cwd: dir, env })).stdout.trim()).toBe(workdir);
    expect((await rig(["exec", "c1", "--", "sh", "-c", "cat"], { cwd: dir, env, stdin: "piped in" })).stdout).toBe("piped in");
  });

  test("exec with no stdin goes through the engine's API; with stdin, docker exec -i carries it", async () => {
    // A `docker` first on PATH that notes each call, then runs the real one.
    const bin = tempDir();
    const log = join(bin, "calls.log");
    writeFileSync(join(bin, "docker"), `#!/bin/sh\necho "$*" >> ${log}\nexec ${Bun.which("docker")} "$@"\n`, { mode: 0o755 });
    const shimmed = { ...env, PATH: `${bin}:${process.env.PATH}` };
    writeFileSync(log, "");
    const quiet = await rig(["exec", "c1", "--", "sh", "-c", "echo out; echo err >&2; exit 5"], { cwd: dir, env: shimmed });
    expect([quiet.exitCode, quiet.stdout, quiet.stderr]).toEqual([5, "out\n", "err\n"]);
    expect((await rig(["exec", "c1", "--json", "--", "cat"], { cwd: dir, env: shimmed })).json()).toEqual({ exitCode: 0, stdout: "", stderr: "" });
    expect(readFileSync(log, "utf8")).toBe("");
    expect((await rig(["exec", "c1", "--", "cat"], { cwd: dir, env: shimmed, stdin: "for cat" })).stdout).toBe("for cat");
    expect(readFileSync(log, "utf8")).toStartWith("exec -i ");
  });

  test.if(hasTmux)("shell opens a login shell in the container on a terminal", async () => {
    const workdir = docker("inspect", "--format", "{{.Config.WorkingDir}}", container) || "/";
    expect(await shellPwd(dir, "c1", { ...env, DOCKER_HOST: dockerSvc?.dockerHost })).toBe(workdir);
  });

  test("stop and start keep the container's data; a stopped workspace is not ready", async () => {
    await rig(["exec", "c1", "--", "sh", "-c", "echo kept > /www/data"], { cwd: dir, env });
    expect((await rig(["stop", "c1", "--json"], { cwd: dir, env })).json()).toEqual({ stopped: ["c1"] });
    expect(docker("inspect", "--format", "{{.State.Running}}", container)).toBe("false");
    for (const command of [["exec", "c1", "--", "true"], ["shell", "c1"], ["forward", "c1", "80"], ["code", "c1"]]) {
      const r = await rig([command[0] as string, "--json", ...command.slice(1)], { cwd: dir, env });
      // shell checks for a terminal first (usage); everything else says why and what next.
      if (command[0] === "shell") continue;
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.error()).toMatchObject({ code: "WORKSPACE_NOT_READY", message: "Workspace c1 is not ready (stopped)" });
    }
    expect((await rig(["exec", "c1", "--", "true"], { cwd: dir, env })).stderr).toContain("rig start c1");
    expect((await rig(["c1/start"], { cwd: dir, env })).exitCode).toBe(0);
    expect(docker("inspect", "--format", "{{.State.Running}}", container)).toBe("true");
    expect((await rig(["exec", "c1", "cat", "/www/data"], { cwd: dir, env })).stdout).toBe("kept\n");
  });

  test("forward reaches httpd in a --network none container over 127.0.0.1; several ports at once", async () => {
    await rig(["exec", "c1", "--", "sh", "-c", "httpd -p 127.0.0.1:8080 -h /www && httpd -p 127.0.0.1:8081 -h /"], { cwd: dir, env });
    expect(docker("inspect", "--format", "{{.HostConfig.NetworkMode}}", container)).toBe("none");
    const [a, b] = [freePort(), freePort()];
    const { proc, printed } = await forward(["c1", `8080:${a}`, `8081:${b}`], dir, env);
    try {
      expect(printed).toContain(`Forwarding 127.0.0.1:${a} → c1:8080`);
      expect(printed).toContain(`Forwarding 127.0.0.1:${b} → c1:8081`);
      expect(await (await fetch(`http://127.0.0.1:${a}/index.html`)).text()).toBe("hello-from-httpd\n");
      expect(await (await fetch(`http://127.0.0.1:${a}/data`)).text()).toBe("kept\n"); // a second connection
      expect(await (await fetch(`http://127.0.0.1:${b}/www/index.html`)).text()).toBe("hello-from-httpd\n");
    } finally {
      proc.kill("SIGINT");
      await proc.exited;
    }
  });

  test("code --json gives the attached-container URI; --from commits the live container, then the two diverge", async () => {
    const code = (await rig(["code", "c1", "--json"], { cwd: dir, env })).json();
    const hex = Buffer.from(JSON.stringify({ containerName: `/${container}` })).toString("hex");
    const workdir = docker("inspect", "--format", "{{.Config.WorkingDir}}", container) || "/";
    expect(code.uri).toBe(`vscode-remote://attached-container+${hex}${workdir}`);
    expect(code.command).toEqual(["code", "--folder-uri", code.uri]);

    const fork = await rig(["create", "c2", "--from", "c1", "--json"], { cwd: dir, env });
    expect(fork.exitCode).toBe(0);
    const c2 = fork.json().workspaces[0];
    expect((await rig(["ls", "--cached"], { cwd: dir, env })).stdout).toMatch(/c2 +ready +created [^\n]*from c1/);
    expect(c2.ctx.container).not.toBe(container);
    expect(docker("inspect", "--format", '{{.State.Running}} {{index .Config.Labels "rigkit.workspace"}}', c2.ctx.container)).toBe("true c2");
    expect(docker("image", "inspect", "--format", '{{index .Config.Labels "rigkit.kind"}} {{index .Config.Labels "rigkit.workspace"}}', c2.ctx.image)).toBe("snapshot c2");
    expect((await rig(["exec", "c2", "cat", "/www/data"], { cwd: dir, env })).stdout).toBe("kept\n");
    await rig(["exec", "c2", "--", "sh", "-c", "echo diverged > /www/data"], { cwd: dir, env });
    expect((await rig(["exec", "c1", "cat", "/www/data"], { cwd: dir, env })).stdout).toBe("kept\n");
    expect((await rig(["rm", "c2", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(docker("image", "inspect", "--format", "{{.Id}}", c2.ctx.image)).toBe(""); // the fork's commit went with it
  });

  test("an expired lease with --on-expiry stop: gc --dry-run lists it, gc --yes stops the container, renew and start bring it back", async () => {
    const created = await rig(["create", "leased", "--ttl", "1h", "--on-expiry", "stop", "--json"], { cwd: dir, env });
    expect(created.exitCode).toBe(0);
    const leased = created.json().workspaces[0].ctx.container;
    const db = new Database(join(dir, ".rigkit/state.sqlite"));
    db.query("UPDATE workspaces SET expires_at = ? WHERE name = 'leased'").run(Date.now() - 1000);
    db.close();
    expect((await rig(["gc", "--dry-run", "--json"], { cwd: dir, env })).json().expired).toEqual([
      { name: "leased", workflow: "d", expiresAt: expect.any(String), action: "stop" },
    ]);
    expect(docker("inspect", "--format", "{{.State.Running}}", leased)).toBe("true"); // a dry run changes nothing
    expect((await rig(["gc", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(docker("inspect", "--format", "{{.State.Running}}", leased)).toBe("false");
    expect((await rig(["renew", "leased", "--ttl", "2h"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["start", "leased"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["exec", "leased", "true"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  });
});

describe.if(sshSvc !== null)("ssh workspaces", () => {
  const env = { RIGKIT_TEST_SSH_CONFIG: sshSvc?.sshConfig };
  const root = tempDir("rigkit-remote-");
  // ssh roots are namespaced per project: <root>/<project id>/… (the only entry here).
  const projectRoot = () => `${root}/${readdirSync(root).find((entry) => !entry.startsWith("."))}`;
  afterAll(async () => {
    await rig(["rm", "--all", "--yes", "--force"], { cwd: dir, env });
  });
  const dir = project({
    "rigkit.config.ts": `import { workflow, ssh, env } from "rigkit";
export default workflow("s")
  .addProvider("ssh", ssh({ configFile: env("RIGKIT_TEST_SSH_CONFIG"), hosts: [{ host: "rig-a", root: ${JSON.stringify(root)} }] }))
  .task("base", async ({ providers }) => {
    const base = await providers.ssh.prepareDir("app", { fresh: true });
    await providers.ssh.run("echo prepared > marker", { cwd: base });
    return { ctx: { base } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx),
  });
`,
  });

  test("exec runs in the remote directory with the command's exit code and streams", async () => {
    expect((await rig(["create", "s1"], { cwd: dir, env })).exitCode).toBe(0);
    const r = await rig(["exec", "s1", "--", "sh", "-c", "echo out; echo err >&2; exit 7"], { cwd: dir, env });
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([7, "out\n", "err\n"]);
    expect((await rig(["exec", "s1", "pwd"], { cwd: dir, env })).stdout.trim()).toBe(`${projectRoot()}/workspaces/s1`);
    expect((await rig(["exec", "s1", "--json", "--", "cat", "marker"], { cwd: dir, env })).json()).toEqual({ exitCode: 0, stdout: "prepared\n", stderr: "" });
    expect((await rig(["exec", "s1", "--", "sh", "-c", "echo 'it''s \"quoted\"' $HOME"], { cwd: dir, env })).stdout).toMatch(/^its "quoted" \//);
    // The shared connection's socket directory may go away (a cleaned RIGKIT_HOME): made again.
    rmSync(join(homeOf(dir), "ssh"), { recursive: true, force: true });
    expect((await rig(["exec", "s1", "true"], { cwd: dir, env })).exitCode).toBe(0);
  });

  test("a failing command leaves the shared connection for the next one (rig stops what it started, not that)", async () => {
    const sockets = join(homeOf(dir), "ssh");
    const control = (op: string) =>
      readdirSync(sockets).map(
        (socket) => Bun.spawnSync(["ssh", "-F", sshSvc?.sshConfig as string, "-S", join(sockets, socket), "-O", op, "rig-a"], { stdout: "ignore", stderr: "ignore" }).exitCode,
      );
    expect((await rig(["exec", "s1", "true"], { cwd: dir, env })).exitCode).toBe(0);
    expect(control("check")).toEqual([0]);
    control("exit"); // so that the failing command is the one that opens the connection
    // rig exits 1 and stops every process it started; the connection it opened stays.
    expect((await rig(["exec", "s1", "--", "sh", "-c", "exit 1"], { cwd: dir, env })).exitCode).toBe(1);
    expect(control("check")).toEqual([0]);
  });

  test.if(hasTmux)("shell opens a login shell in the remote directory on a terminal", async () => {
    expect(await shellPwd(dir, "s1", env)).toBe(`${projectRoot()}/workspaces/s1`);
  });

  test("stop is a usage error; code gives Remote-SSH; forward reaches a port on the host through the shared connection", async () => {
    const stop = await rig(["stop", "s1", "--json"], { cwd: dir, env });
    expect(stop.exitCode).toBe(2);
    expect(stop.error().message).toBe("Workspace s1 has nothing to stop");
    const code = (await rig(["code", "s1", "--json"], { cwd: dir, env })).json();
    expect(code.command).toEqual(["code", "--remote", "ssh-remote+rig-a", `${projectRoot()}/workspaces/s1`]);
    expect(code.uri).toBe(`vscode-remote://ssh-remote+rig-a${projectRoot()}/workspaces/s1`);

    const remotePort = freePort();
    const started = await rig(["exec", "s1", "--", "sh", "-c", `busybox httpd -p 127.0.0.1:${remotePort} -h .`], { cwd: dir, env });
    expect(started.exitCode).toBe(0);
    const local = freePort();
    const { proc, printed } = await forward(["s1", `${remotePort}:${local}`], dir, env);
    try {
      expect(printed).toContain(`Forwarding 127.0.0.1:${local} → s1:${remotePort}`);
      expect(await (await fetch(`http://127.0.0.1:${local}/marker`)).text()).toBe("prepared\n");
    } finally {
      proc.kill("SIGINT");
      await proc.exited;
      Bun.spawnSync(["sh", "-c", `for p in $(pidof httpd); do tr '\\0' ' ' < /proc/$p/cmdline | grep -q ':${remotePort} ' && kill $p; done`]);
    }
  });

  test("--from copies beside it on the same host; the copies diverge; a missing directory is not ready", async () => {
    await rig(["exec", "s1", "--", "sh", "-c", "echo live > state"], { cwd: dir, env });
    const fork = await rig(["create", "s2", "--from", "s1", "--json"], { cwd: dir, env });
    expect(fork.exitCode).toBe(0);
    expect(fork.json().workspaces[0]).toMatchObject({ name: "s2", ctx: { host: "rig-a", dir: `${projectRoot()}/workspaces/s2` } });
    expect((await rig(["ls", "--cached"], { cwd: dir, env })).stdout).toMatch(/s2 +ready +created [^\n]*from s1/);
    expect((await rig(["exec", "s2", "cat", "state"], { cwd: dir, env })).stdout).toBe("live\n");
    await rig(["exec", "s2", "--", "sh", "-c", "echo other > state"], { cwd: dir, env });
    expect((await rig(["exec", "s1", "cat", "state"], { cwd: dir, env })).stdout).toBe("live\n");

    Bun.spawnSync(["rm", "-rf", `${projectRoot()}/workspaces/s2`]);
    const gone = await rig(["exec", "s2", "--", "true"], { cwd: dir, env });
    expect(gone.exitCode).not.toBe(0);
    expect(gone.stderr).toContain("is missing on this host");
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  });
});
