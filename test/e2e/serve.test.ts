/**
 * `rig serve` as a client sees it: the real bin/rig serving a temp project, an HTTP client
 * calling every resource, event streams, cancellation, and the refusals (token, Origin,
 * Host, addresses other than 127.0.0.1).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv2020 from "ajv/dist/2020.js";
import { RIG, project, rig, tempDir } from "../helpers.ts";

setDefaultTimeout(60_000);

export const SERVE_CONFIG = `import { workflow, local, z } from "rigkit";
export const app = workflow("app")
  .addProvider("local", local())
  .parallel({
    a: (s) => s.task("one", async () => { console.log("one says hi"); await Bun.sleep(150); console.log("one done"); return { ctx: { a: 1 } }; }),
    b: (s) => s.task("two", async () => { console.log("two says hi"); await Bun.sleep(150); console.log("two done"); return { ctx: { b: 2 } }; }),
  })
  .task("base", async ({ step, providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    await providers.local.exec(["sh", "-c", "mkdir -p sub && echo prepared > marker.txt"], { cwd: dir });
    return { ctx: { ...step.ctx, base: providers.local.dirRef(dir) } };
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

export const slow = workflow("slow")
  .addProvider("local", local())
  .task("wait", async ({ providers }) => {
    await providers.local.exec(["sh", "-c", "echo $$ > " + JSON.stringify(process.env.RIG_TEST_PIDFILE) + "; exec sleep 300"]);
    return { ctx: {} };
  });
`;

export interface Served {
  proc: ReturnType<typeof Bun.spawn>;
  /** The rest of its stdout, once it ended. */
  rest: () => Promise<string>;
  url: string;
  port: number;
  token: string;
  tokenFile: string;
  dir: string;
}

/** Starts `rig serve --json` in `dir` and waits for its address. */
export async function serve(dir: string, args: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const proc = Bun.spawn([RIG, "serve", "--json", ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1", RIGKIT_HOME: join(dir, ".rigkit-home"), ...env }, stdout: "pipe", stderr: "pipe" });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`rig serve ended: ${await new Response(proc.stderr as ReadableStream).text()}`);
    text += new TextDecoder().decode(value);
  }
  const rest = async () => {
    let more = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return more;
      more += new TextDecoder().decode(value);
    }
  };
  const info = JSON.parse(text) as { url: string; port: number; tokenFile: string };
  return { proc, rest, url: info.url, port: info.port, tokenFile: info.tokenFile, token: readFileSync(info.tokenFile, "utf8").trim(), dir };
}

interface SseEvent {
  id: number;
  event: string;
  data: any;
}

/** Reads server-sent events until `until` says stop (or the stream ends). */
export async function readEvents(response: Response, until: (e: SseEvent) => boolean = () => false): Promise<SseEvent[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const events: SseEvent[] = [];
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += new TextDecoder().decode(value);
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const fields = Object.fromEntries(block.split("\n").filter((l) => !l.startsWith(":") && l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
      if (fields.event === undefined) continue;
      const event = { id: Number(fields.id), event: fields.event as string, data: JSON.parse(fields.data as string) };
      events.push(event);
      if (until(event)) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

describe("rig serve", () => {
  let s: Served;
  const pidfile = join(tempDir(), "pid");
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${s.url}${path}`, { ...init, headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json", ...(init.headers as Record<string, string>) } });
  const json = async (path: string, init: RequestInit = {}) => {
    const response = await api(path, init);
    return { status: response.status, body: (await response.json()) as any };
  };
  /** Waits for a run to finish, through its event stream. */
  const finish = async (id: string) => {
    const events = await readEvents(await api(`/runs/${id}/events`), (e) => e.event === "run.finished");
    return { events, run: (await json(`/runs/${id}`)).body };
  };

  beforeAll(async () => {
    const dir = project({ "rigkit.config.ts": SERVE_CONFIG });
    s = await serve(dir, [], { RIG_TEST_PIDFILE: pidfile });
  });
  afterAll(async () => {
    s.proc.kill("SIGINT");
    await s.proc.exited;
  });

  test("the token file is 0600 in .rigkit/, and the token is never printed", async () => {
    expect(s.tokenFile).toBe(join(s.dir, ".rigkit", "serve.token"));
    expect(statSync(s.tokenFile).mode & 0o777).toBe(0o600);
    expect(s.token.length).toBeGreaterThanOrEqual(40);
  });

  test("refusals: 401 without or with a wrong token, 403 for a foreign Origin or Host", async () => {
    expect((await fetch(`${s.url}/project`)).status).toBe(401);
    const wrong = await fetch(`${s.url}/project`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as any).error.code).toBe("UNAUTHORIZED");
    expect((await api("/project", { headers: { origin: "http://evil.example" } })).status).toBe(403);
    expect((await api("/project", { headers: { origin: `http://localhost:${s.port}` } })).status).toBe(403); // not the host it asked
    expect((await api("/project", { headers: { origin: s.url } })).status).toBe(200);
    expect((await api("/project", { headers: { host: `evil.example:${s.port}` } })).status).toBe(403);
    // The dashboard's sign-in link sets an HttpOnly, SameSite=Strict cookie that then authenticates.
    const signIn = await fetch(`${s.url}/?token=${s.token}`, { redirect: "manual" });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get("set-cookie") as string;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect((await fetch(`${s.url}/project`, { headers: { cookie: cookie.split(";")[0] as string } })).status).toBe(200);
    expect((await fetch(`${s.url}/?token=wrong`, { redirect: "manual" })).status).toBe(401);
  });

  test("it listens on 127.0.0.1 only", async () => {
    const others = ["127.0.0.2", ...Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal).map((i) => (i?.family === "IPv6" ? `[${i.address}]` : i?.address))];
    for (const address of others) {
      const attempt = await fetch(`http://${address}:${s.port}/project`, { headers: { authorization: `Bearer ${s.token}` } }).then(
        (r) => `answered ${r.status}`,
        () => "refused",
      );
      expect(`${address}: ${attempt}`).toBe(`${address}: refused`);
    }
  });

  test("the OpenAPI document validates, and its schemas match real responses", async () => {
    const doc = (await json("/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    await SwaggerParser.validate(structuredClone(doc));
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const check = async (path: string, route: string, method = "get", init: RequestInit = {}, status = "200") => {
      const response = await json(path, init);
      expect(String(response.status)).toBe(status);
      const schema = doc.paths[route][method].responses[status].content["application/json"].schema;
      const validate = ajv.compile(schema);
      expect({ path, ok: validate(response.body), errors: validate.errors ?? null }).toEqual({ path, ok: true, errors: null });
      return response.body;
    };
    await check("/project", "/project");
    await check("/workflows", "/workflows");
    await check("/workflows/app/graph", "/workflows/{workflow}/graph");
    await check("/plan?workflow=app", "/plan");
    await check("/workspaces", "/workspaces");
    await check("/runs", "/runs");
    await check("/log", "/log");
    await check("/cache?workflow=app", "/cache");
  });

  test("an apply with parallel tasks: 202, events in order, resumable with Last-Event-ID", async () => {
    const started = await json("/runs", { method: "POST", body: JSON.stringify({ kind: "apply", workflow: "app" }) });
    expect(started.status).toBe(202);
    expect(started.body.eventsUrl).toBe(`/runs/${started.body.id}/events`);
    const { events, run } = await finish(started.body.id);
    expect(run).toMatchObject({ id: started.body.id, kind: "apply", status: "ok", result: { workflow: "app", ran: ["a/one", "b/two", "base"], cached: [] } });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.event).toBe("apply.started");
    expect(events.at(-1)?.event).toBe("run.finished");
    expect(events.at(-2)?.event).toBe("apply.finished");
    for (const path of ["a/one", "b/two", "base"]) {
      const at = (type: string) => events.findIndex((e) => e.event === type && e.data.path === path);
      expect(at("task.started")).toBeGreaterThan(0);
      expect(at("task.finished")).toBeGreaterThan(at("task.started"));
      if (path !== "base") expect(at("task.output")).toBeGreaterThan(at("task.started"));
      expect(events[at("task.finished")]?.data).toMatchObject({ status: "done", workflow: "app" });
    }
    // The two branches ran side by side: both started before either finished.
    const startedTwo = events.findIndex((e) => e.event === "task.started" && e.data.path === "b/two");
    const finishedOne = events.findIndex((e) => e.event === "task.finished" && e.data.path === "a/one");
    expect(startedTwo).toBeLessThan(finishedOne);
    // Resume: only what came after the given id.
    const resumed = await readEvents(await api(`/runs/${started.body.id}/events`, { headers: { "last-event-id": "3" } }));
    expect(resumed.map((e) => e.id)).toEqual(events.slice(3).map((e) => e.id));
    expect(resumed.map((e) => e.event)).toEqual(events.slice(3).map((e) => e.event));
    // The plan now says everything is cached, and the graph shows it.
    const graph = (await json("/workflows/app/graph")).body;
    expect(graph.nodes.filter((n: any) => n.kind === "task").map((n: any) => [n.path, n.status])).toEqual([["a/one", "cached"], ["b/two", "cached"], ["base", "cached"]]);
    expect(graph.nodes.some((n: any) => n.kind === "parallel")).toBe(true);
    expect(graph.edges).toContainEqual({ from: "a/one", to: "base", type: "feeds" });
  });

  test("workspaces: create (202), list, exec, operations, stop's usage error, remove", async () => {
    const created = await json("/workspaces", { method: "POST", body: JSON.stringify({ name: "w1", workflow: "app" }) });
    expect(created.status).toBe(202);
    const { run, events } = await finish(created.body.id);
    expect(run.status).toBe("ok");
    expect(run.result.workspaces[0]).toMatchObject({ name: "w1", workflow: "app" });
    expect(events.some((e) => e.event === "workspace.created" && e.data.name === "w1")).toBe(true);
    const listed = (await json("/workspaces")).body.workspaces;
    expect(listed.map((w: any) => [w.name, w.status])).toEqual([["w1", "ready"]]);

    const exec = await json("/workspaces/w1/exec", { method: "POST", body: JSON.stringify({ argv: ["cat", "marker.txt"] }) });
    expect(exec).toEqual({ status: 200, body: { exitCode: 0, stdout: "prepared\n", stderr: "" } });
    const shell = await json("/workspaces/w1/exec", { method: "POST", body: JSON.stringify({ command: "pwd; exit 3", cwd: "sub" }) });
    expect(shell.body.exitCode).toBe(3);
    expect(shell.body.stdout.trim().endsWith("/sub")).toBe(true);
    expect((await json("/workspaces/w1/exec", { method: "POST", body: JSON.stringify({ argv: ["true"], cwd: "../.." }) })).status).toBe(400);
    expect((await json("/workspaces/w1/exec", { method: "POST", body: JSON.stringify({}) })).status).toBe(400);
    expect((await json("/workspaces/nope/exec", { method: "POST", body: JSON.stringify({ argv: ["true"] }) })).body.error.code).toBe("UNKNOWN_WORKSPACE");
    const streamed = await readEvents(await api("/workspaces/w1/exec?stream=1", { method: "POST", body: JSON.stringify({ command: "echo out; echo err >&2" }) }));
    expect(streamed.map((e) => e.event)).toEqual(["exec.output", "exec.output", "exec.exit"]);
    expect(streamed[2]?.data).toMatchObject({ workspace: "w1", exitCode: 0 });
    // Live: the first line arrives while the command still runs.
    const asked = performance.now();
    const live = await api("/workspaces/w1/exec?stream=1", { method: "POST", body: JSON.stringify({ command: "echo first; sleep 3; echo second" }) });
    let firstAt = 0;
    const all = await readEvents(live, (e) => {
      if (e.event === "exec.output" && firstAt === 0) firstAt = performance.now() - asked;
      return false;
    });
    expect(firstAt).toBeLessThan(2500);
    expect(all.filter((e) => e.event === "exec.output").map((e) => e.data.data).join("")).toBe("first\nsecond\n");
    expect(all.at(-1)?.event).toBe("exec.exit");

    const greet = await json("/workspaces/w1/operations/greet", { method: "POST", body: JSON.stringify({ name: "ada", loud: true }) });
    expect(greet).toEqual({ status: 200, body: { hello: "ADA", in: "w1" } });
    const bad = await json("/workspaces/w1/operations/greet", { method: "POST", body: JSON.stringify({ loud: 3 }) });
    expect(bad.status).toBe(400);
    const workflows = (await json("/workflows")).body.workflows;
    const greetDoc = workflows.find((w: any) => w.name === "app").operations.find((o: any) => o.id === "greet");
    expect(greetDoc.input.properties.name).toMatchObject({ type: "string", description: "who" });

    const stop = await json("/workspaces/w1/stop", { method: "POST" });
    expect(stop.status).toBe(400);
    expect(stop.body.error.code).toBe("USAGE");
    expect((await json("/log")).body.entries.some((e: any) => e.kind === "create" && e.target === "w1")).toBe(true);
    expect(await json("/workspaces/w1", { method: "DELETE" })).toEqual({ status: 200, body: { removed: ["w1"] } });
    expect((await json("/workspaces")).body.workspaces).toEqual([]);
  });

  test("a run cancelled through the API: its processes are gone and it is recorded cancelled", async () => {
    const started = await json("/runs", { method: "POST", body: JSON.stringify({ kind: "apply", workflow: "slow" }) });
    for (let i = 0; i < 100 && !existsSync(pidfile); i++) await Bun.sleep(100);
    const pid = Number(readFileSync(pidfile, "utf8"));
    expect(() => process.kill(pid, 0)).not.toThrow();
    const cancelled = await json(`/runs/${started.body.id}/cancel`, { method: "POST" });
    expect(cancelled.body).toMatchObject({ status: "cancelled", error: { code: "INTERRUPTED" } });
    await Bun.sleep(200);
    expect(() => process.kill(pid, 0)).toThrow();
    const log = (await rig(["log", "--json", "--workflow", "slow"], { cwd: s.dir })).json();
    expect(log.entries[0]).toMatchObject({ kind: "apply", workflow: "slow", status: "cancelled" });
  });

  test("unknown resources and bodies that are not JSON are clear errors", async () => {
    expect((await json("/nope")).status).toBe(404);
    expect((await json("/runs/nope")).status).toBe(404);
    const notJson = await json("/runs", { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("INVALID_INPUT");
    expect((await json("/runs", { method: "POST", body: JSON.stringify({ kind: "explode" }) })).status).toBe(400);
  });
});

describe("rig serve on a unix socket, and its end", () => {
  test("serves on the socket; SIGINT exits 130 and removes the token file and the socket", async () => {
    const dir = project({ "rigkit.config.ts": SERVE_CONFIG });
    const socket = join(tempDir(), "rig.sock");
    const s = await serve(dir, ["--socket", socket]);
    expect(s.url).toBe(`unix:${socket}`);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const answer = await fetch("http://localhost/project", { unix: socket, headers: { authorization: `Bearer ${s.token}` } } as RequestInit);
    expect(answer.status).toBe(200);
    expect((await fetch("http://localhost/project", { unix: socket } as RequestInit)).status).toBe(401);
    s.proc.kill("SIGINT");
    expect(await s.proc.exited).toBe(130);
    // The token never reaches the output (only --dashboard-url prints the sign-in link).
    const printed = (await s.rest()) + (await new Response(s.proc.stderr as ReadableStream).text());
    expect(printed).not.toContain(s.token);
    expect(existsSync(s.tokenFile)).toBe(false);
    expect(existsSync(socket)).toBe(false);
  });

  test("--port and --socket together, or a bad port, are usage errors", async () => {
    const dir = project({ "rigkit.config.ts": SERVE_CONFIG });
    expect((await rig(["serve", "--port", "x"], { cwd: dir })).exitCode).toBe(2);
    expect((await rig(["serve", "--port", "1", "--socket", "/tmp/x"], { cwd: dir })).exitCode).toBe(2);
  });
});
