/**
 * `rig mcp` through an MCP client of the official SDK spawning the real bin/rig: the tool
 * list, each tool on local and Docker workspaces, path escapes refused, a long command cut
 * at its time limit with its processes gone, and bad inputs answered as tool errors.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { RIG, project, rig, tempDir } from "../helpers.ts";
import { services } from "../services.ts";

setDefaultTimeout(90_000);

const LOCAL = `import { workflow, local, z } from "rigkit";
export default workflow("app")
  .addProvider("local", local())
  .task("base", async ({ providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    await providers.local.exec(["sh", "-c", "mkdir -p sub && echo prepared > marker.txt"], { cwd: dir });
    return { ctx: { base: providers.local.dirRef(dir) } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  })
  .workspaceOperation("greet", {
    description: "Say hello",
    input: z.object({ name: z.string().describe("who"), loud: z.boolean().default(false) }),
    run: async ({ input, workspace }) => ({ hello: input.loud ? input.name.toUpperCase() : input.name, in: workspace.name }),
  });
`;

const DOCKER = `import { workflow, docker, env, z } from "rigkit";
export default workflow("d")
  .addProvider("docker", docker({ host: env("RIGKIT_TEST_DOCKER_HOST"), network: "none" }))
  .task("image", async ({ providers }) => ({ ctx: { image: await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async (c) => {
    await c.exec("mkdir -p /work/sub && echo prepared > /work/marker.txt");
  }) } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image, workdir: "/work" }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  })
  .workspaceOperation("greet", {
    input: z.object({ name: z.string() }),
    run: async ({ input, workspace }) => ({ hello: input.name, in: workspace.name }),
  });
`;

type Result = { isError?: boolean; content: { type: string; text: string }[] };

async function connect(dir: string, env: Record<string, string | undefined> = {}) {
  const transport = new StdioClientTransport({
    command: RIG,
    args: ["mcp", "--chdir", dir],
    env: { ...(process.env as Record<string, string>), NO_COLOR: "1", RIGKIT_HOME: join(dir, ".rigkit-home"), ...(env as Record<string, string>) },
    stderr: "pipe",
  });
  const client = new Client({ name: "rigkit-test", version: "1" });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<Result> => (await client.callTool({ name, arguments: args })) as Result;
  const value = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await call(name, args);
    if (result.isError) throw new Error(`${name}: ${result.content[0]?.text}`);
    return JSON.parse(result.content[0]?.text as string);
  };
  /** A bad call must answer as an error (a tool error or a protocol error), never end the server. */
  const refused = async (name: string, args: Record<string, unknown>): Promise<string> => {
    try {
      const result = await call(name, args);
      expect(result.isError).toBe(true);
      return result.content[0]?.text as string;
    } catch (error) {
      return String((error as Error).message);
    }
  };
  return { client, call, value, refused };
}

/** Every tool of one workspace kind, the same checks for local and Docker. */
function suite(kind: "local" | "docker", config: string, env: Record<string, string | undefined>, running: () => (marker: string) => boolean) {
  let c: Awaited<ReturnType<typeof connect>>;
  let dir: string;
  beforeAll(async () => {
    dir = project({ "rigkit.config.ts": config });
    c = await connect(dir, env);
  });
  afterAll(async () => {
    await c.client.close();
  });

  test(`${kind}: the tool list, one tool per operation with its input schema`, async () => {
    const { tools } = await c.client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of ["list_workspaces", "create_workspace", "remove_workspace", "exec", "read_file", "write_file", "list_files", "run_operation", "diff", "plan", "apply", "run_greet"]) {
      expect(names).toContain(name);
    }
    const greet = tools.find((t) => t.name === "run_greet");
    expect(Object.keys(greet?.inputSchema.properties ?? {}).sort()).toContain("name");
    expect(greet?.inputSchema.required).toContain("workspace");
  });

  test(`${kind}: plan, apply, create (a free name), list, exec, operations`, async () => {
    expect((await c.value("plan")).nodes[0].status).toBe("pending");
    // apply reports progress from the engine's events when the client asks for it.
    const progress: string[] = [];
    const applied = (await c.client.callTool({ name: "apply", arguments: {} }, undefined, { onprogress: (p) => progress.push(String(p.message)) })) as Result;
    expect(JSON.parse(applied.content[0]?.text as string).ran.length).toBe(1);
    expect(progress.join(" | ")).toMatch(/^run .* \| done /);
    const created = await c.value("create_workspace");
    expect(created.workspaces[0].name).toBe("ws1");
    expect((await c.value("list_workspaces")).workspaces.map((w: any) => [w.name, w.status])).toEqual([["ws1", "ready"]]);
    expect(await c.value("exec", { workspace: "ws1", argv: ["cat", "marker.txt"] })).toEqual({ exitCode: 0, stdout: "prepared\n", stderr: "" });
    const inSub = await c.value("exec", { workspace: "ws1", command: "pwd; exit 4", cwd: "sub" });
    expect(inSub.exitCode).toBe(4);
    expect(inSub.stdout.trim().endsWith("/sub")).toBe(true);
    expect(await c.value("run_greet", { workspace: "ws1", name: "ada" })).toMatchObject({ hello: "ada", in: "ws1" });
    expect(await c.value("run_operation", { workspace: "ws1", operation: "greet", input: { name: "bo" } })).toMatchObject({ hello: "bo" });
    const resources = await c.client.listResources();
    expect(resources.resources.map((r) => r.uri)).toEqual(["rig://workspaces/ws1"]);
    const read = await c.client.readResource({ uri: "rig://workspaces/ws1" });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ name: "ws1", status: "ready" });
  });

  test(`${kind}: files: write, read (text and binary), list, diff`, async () => {
    expect(await c.value("write_file", { workspace: "ws1", path: "new/dir/a.txt", content: "hello\n" })).toEqual({ path: "new/dir/a.txt", size: 6 });
    const read = await c.value("read_file", { workspace: "ws1", path: "new/dir/a.txt" });
    expect(read).toMatchObject({ content: "hello\n", encoding: "utf8", size: 6, truncated: false });
    await c.value("write_file", { workspace: "ws1", path: "bin.dat", content: Buffer.from([0, 1, 2, 255]).toString("base64"), encoding: "base64" });
    const binary = await c.value("read_file", { workspace: "ws1", path: "bin.dat" });
    expect(binary.encoding).toBe("base64");
    expect(Buffer.from(binary.content, "base64")).toEqual(Buffer.from([0, 1, 2, 255]));
    const part = await c.value("read_file", { workspace: "ws1", path: "marker.txt", offset: 2, limit: 3 });
    expect(part).toMatchObject({ content: "epa", truncated: true, size: 9 });
    const listed = await c.value("list_files", { workspace: "ws1" });
    expect(listed.entries.filter((e: any) => ["marker.txt", "new", "sub"].includes(e.name))).toEqual([
      { name: "marker.txt", type: "file", size: 9 },
      { name: "new", type: "dir", size: null },
      { name: "sub", type: "dir", size: null },
    ]);
    const diff = await c.value("diff", { workspace: "ws1", stat: true });
    expect(diff.files.map((f: any) => f.path).sort()).toEqual(["bin.dat", "new/dir/a.txt"]);
  });

  test(`${kind}: paths out of the workspace are refused (.., absolute, symlinks)`, async () => {
    expect(await c.refused("read_file", { workspace: "ws1", path: "../../etc/passwd" })).toContain("..");
    expect(await c.refused("read_file", { workspace: "ws1", path: "/etc/passwd" })).toContain("outside the workspace");
    expect(await c.refused("list_files", { workspace: "ws1", path: "sub/../../.." })).toContain("..");
    await c.value("exec", { workspace: "ws1", command: "ln -s /etc out && ln -s /etc/passwd pw && ln -s /tmp tmpout" });
    for (const path of ["out/passwd", "pw"]) expect(await c.refused("read_file", { workspace: "ws1", path })).toContain("symlink");
    expect(await c.refused("list_files", { workspace: "ws1", path: "out" })).toContain("symlink");
    const marker = `rigkit-mcp-${Date.now()}`;
    expect(await c.refused("write_file", { workspace: "ws1", path: `tmpout/${marker}`, content: "x" })).toContain("symlink");
    expect(await c.refused("write_file", { workspace: "ws1", path: "pw", content: "x" })).toContain("symlink");
    expect(existsSync(`/tmp/${marker}`)).toBe(false);
    expect(readFileSync("/etc/passwd", "utf8")).toContain("root:");
  });

  test(`${kind}: a long command is cut at its time limit, its processes gone; big output is capped and says so`, async () => {
    const started = Date.now();
    const result = await c.value("exec", { workspace: "ws1", command: "sleep 313 & sleep 313; echo never", timeoutMs: 1500 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result).toMatchObject({ exitCode: 124, timedOut: true });
    expect(result.stdout).not.toContain("never");
    await Bun.sleep(300);
    expect(running()("sleep 313")).toBe(false);
    const big = await c.value("exec", { workspace: "ws1", command: "i=0; while [ $i -lt 3000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done" });
    expect(big.truncated.stdoutCut).toBeGreaterThan(0);
    expect(big.stdout).toContain("characters cut");
    expect(big.stdout).toContain("line-2999-");
  });

  test(`${kind}: a command reading stdin gets none (stdin is the protocol)`, async () => {
    expect(await c.value("exec", { workspace: "ws1", argv: ["cat"], timeoutMs: 20_000 })).toMatchObject({ exitCode: 0, stdout: "" });
    expect((await c.value("list_workspaces")).workspaces.length).toBe(1);
  });

  test(`${kind}: bad inputs are tool errors and the server goes on`, async () => {
    expect(await c.refused("exec", { workspace: "nope", argv: ["true"] })).toContain("UNKNOWN_WORKSPACE");
    expect(await c.refused("exec", { workspace: "ws1" })).toContain("argv or command");
    expect(await c.refused("exec", { workspace: "ws1", argv: "not a list" })).not.toBe("");
    expect(await c.refused("read_file", { workspace: "ws1" })).not.toBe("");
    expect(await c.refused("read_file", { workspace: "ws1", path: "missing.txt" })).toContain("missing.txt");
    expect(await c.refused("run_operation", { workspace: "ws1", operation: "nope" })).toContain("nope");
    expect(await c.refused("run_greet", { workspace: "ws1", name: 42 })).not.toBe("");
    expect(await c.refused("create_workspace", { name: "bad name!" })).not.toBe("");
    expect(await c.refused("no_such_tool", {})).not.toBe("");
    expect((await c.value("list_workspaces")).workspaces.length).toBe(1);
  });

  test(`${kind}: remove_workspace`, async () => {
    expect(await c.value("remove_workspace", { name: "ws1" })).toEqual({ removed: ["ws1"] });
    expect((await c.value("list_workspaces")).workspaces).toEqual([]);
  });
}

const pgrep = (pattern: string) => Bun.spawnSync(["pgrep", "-f", pattern]).exitCode === 0;

describe("rig mcp: local", () => {
  suite("local", LOCAL, {}, () => pgrep);
});

const docker = services("docker");
describe.if(docker !== null)("rig mcp: docker", () => {
  const env = { RIGKIT_TEST_DOCKER_HOST: docker?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: docker?.dockerImage };
  // Inside the workspace's container: nothing of the command may be left there.
  suite("docker", DOCKER, env, () => (pattern: string) => {
    const ps = Bun.spawnSync(["sh", "-c", `docker ps -q --filter label=rigkit.workspace=ws1 --filter label=rigkit.workflow=d | while read c; do docker exec "$c" ps; done`], { env: { ...process.env, DOCKER_HOST: docker?.dockerHost } });
    const seen = ps.stdout.toString();
    if (!seen.includes("PID")) throw new Error(`could not list the container's processes: ${ps.stderr.toString()}`);
    return seen.includes(pattern) || pgrep(pattern);
  });
});

describe.if(docker !== null)("rig mcp: docker exec through the engine's API", () => {
  test("no docker CLI runs for exec; output (both streams, many frames, split UTF-8), exit codes and the workdir are as docker exec gives them", async () => {
    const dir = project({ "rigkit.config.ts": DOCKER });
    // A `docker` first on PATH that notes each call, then runs the real one.
    const bin = tempDir();
    const log = join(bin, "calls.log");
    const real = Bun.which("docker") as string;
    writeFileSync(join(bin, "docker"), `#!/bin/sh\necho "$*" >> ${log}\nexec ${real} "$@"\n`, { mode: 0o755 });
    const env = { RIGKIT_TEST_DOCKER_HOST: docker?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: docker?.dockerImage, PATH: `${bin}:${process.env.PATH}` };
    const c = await connect(dir, env);
    try {
      expect((await c.value("create_workspace", { name: "api1" })).workspaces[0].name).toBe("api1");
      writeFileSync(log, "");
      const both = await c.value("exec", { workspace: "api1", command: "pwd; cat marker.txt; echo oops >&2; exit 7" });
      expect(both).toMatchObject({ exitCode: 7, stdout: "/work\nprepared\n", stderr: "oops\n" });
      // 200 KB in many frames, with multi-byte characters that frames split.
      const big = await c.value("exec", { workspace: "api1", command: "i=0; while [ $i -lt 4000 ]; do echo \"é-$i-ééééééééééééééééééééééééééééééé\"; i=$((i+1)); done; echo end" });
      expect(big.exitCode).toBe(0);
      expect(big.stdout).toContain("é-3999-éééé");
      expect(big.stdout).not.toContain("\uFFFD");
      expect(await c.value("exec", { workspace: "api1", argv: ["cat"] })).toMatchObject({ exitCode: 0, stdout: "" });
      expect(readFileSync(log, "utf8").split("\n").filter((line) => line.startsWith("exec"))).toEqual([]);
    } finally {
      await c.client.close();
      await rig(["rm", "--all", "--yes"], { cwd: dir, env });
    }
  });
});

describe("rig mcp: the process", () => {
  test("stdout carries the protocol alone; closing stdin ends the server with exit 0", async () => {
    const dir = project({ "rigkit.config.ts": LOCAL });
    const proc = Bun.spawn([RIG, "mcp"], { cwd: dir, stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, RIGKIT_HOME: join(dir, ".rigkit-home") } });
    proc.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } })}\n`);
    proc.stdin.end();
    expect(await proc.exited).toBe(0);
    const lines = (await new Response(proc.stdout).text()).split("\n").filter(Boolean);
    expect(lines.length).toBe(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ jsonrpc: "2.0", id: 1, result: { serverInfo: { name: "rig" } } });
  });

  test("a config that does not load still serves the other tools", async () => {
    const dir = project({ "rigkit.config.ts": "throw new Error('broken');" });
    const c = await connect(dir);
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name)).toContain("list_workspaces");
    expect((await c.call("plan")).isError).toBe(true);
    await c.client.close();
    expect((await rig(["mcp", "--chdir", tempDir()], { cwd: dir })).exitCode).toBe(0);
  });
});
