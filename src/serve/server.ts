/**
 * `rig serve`: the HTTP API of one project (README "rig serve"), on 127.0.0.1 or a unix
 * socket, until stopped. Routing is Hono on Bun.serve; every request passes the checks of
 * auth.ts first, and errors are the CLI's `--json` error document with a status that
 * matches its exit code (400 usage, 404 unknown, 409 conflict, 500 failure).
 */
import { chmodSync, existsSync, lstatSync, unlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { Hono } from "hono";
import type { z } from "zod";
import * as engine from "../engine/api.ts";
import type { ProjectOptions } from "../engine/project/locate.ts";
import { isRigError, messageOf } from "../errors.ts";
import { TOKEN_COOKIE, checkOrigin, checkToken, newToken, removeTokenFile, sameToken, writeTokenFile } from "./auth.ts";
import { removeAddressFile, writeAddressFile } from "./address.ts";
import { openApiDocument } from "./openapi.ts";
import { type Context, Reply, type Route, routes } from "./routes.ts";
import { Runs } from "./runs.ts";
import { dashboardFile, signInPage } from "./static.ts";
import { watchState } from "./watch.ts";

export interface ServeOptions {
  project: ProjectOptions;
  /** The project's `.rigkit/` directory: the token file goes there. */
  stateDir: string;
  port?: number;
  socket?: string;
}

export interface RunningServer {
  /** `http://127.0.0.1:<port>` or `unix:<path>`. */
  url: string;
  port: number | null;
  token: string;
  tokenFile: string;
  runs: Runs;
  stop(): Promise<void>;
}

const STATUS_BY_CODE: Record<string, number> = {
  UNKNOWN_WORKSPACE: 404, UNKNOWN_WORKFLOW: 404, UNKNOWN_OPERATION: 404, UNKNOWN_COMMAND: 404, UNKNOWN_RUN: 404,
  WORKSPACE_EXISTS: 409, LOCKED: 409, WORKSPACE_NOT_READY: 409, MERGE_CONFLICT: 409, INTERRUPTED: 409,
};

/** The CLI's error document and an HTTP status from the error's code (and exit code). */
export function errorReply(error: unknown): { status: number; body: unknown } {
  const code = isRigError(error) ? error.code : ((error as { code?: string })?.code ?? "TASK_FAILED");
  const exit = isRigError(error) ? error.exitCode : (error as { status?: number })?.status === 404 ? 2 : 1;
  const status = (error as { status?: number })?.status ?? STATUS_BY_CODE[code] ?? (exit === 2 ? 400 : 500);
  const body = { error: { code, message: messageOf(error), detail: isRigError(error) ? error.detail : [], ...(isRigError(error) ? error.subject : {}) } };
  return { status, body };
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return value;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`);
  throw Object.assign(new Error(`Invalid ${where}: ${detail[0]}`), { code: "INVALID_INPUT", status: 400, detail });
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const controller = new AbortController();
  const runs = new Runs();
  const token = newToken();
  const tokenFile = join(options.stateDir, "serve.token");
  const state = { options: options.project, runs, signal: controller.signal };
  const table: Route[] = routes(state);
  const document = openApiDocument(table);
  const listener = { port: null as number | null };
  const app = new Hono<{ Bindings: { peer: string | null } }>();

  app.onError((error) => {
    const { status, body } = errorReply(error);
    const detail = (error as { detail?: string[] }).detail;
    if (detail && !isRigError(error)) (body as { error: { detail: string[] } }).error.detail = detail;
    return Response.json(body, { status });
  });
  app.notFound(() => Response.json({ error: { code: "NOT_FOUND", message: "No such resource (see /openapi.json)", detail: [] } }, { status: 404 }));

  // Every request: from this machine, to this server's host name, from no foreign page.
  app.use("*", async (c, next) => {
    const refused = checkOrigin(c.req.raw, listener, c.env.peer);
    if (refused) return Response.json({ error: { code: "FORBIDDEN", message: refused.message, detail: [] } }, { status: refused.status });
    // The dashboard's one-time link: `/?token=…` sets the cookie and drops the token from the URL.
    const url = new URL(c.req.url);
    const given = url.searchParams.get("token");
    if (c.req.method === "GET" && url.pathname === "/" && given !== null) {
      if (!sameToken(given, token)) return signInPage(401, "this link's token is wrong or out of date");
      return new Response(null, { status: 303, headers: { location: "/", "set-cookie": `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` } });
    }
    const denied = checkToken(c.req.raw, token);
    if (denied && c.req.method === "GET" && (url.pathname === "/" || url.pathname.startsWith("/ui/"))) return signInPage(401, denied.message);
    if (denied) return Response.json({ error: { code: "UNAUTHORIZED", message: denied.message, detail: [] } }, { status: denied.status });
    await next();
  });

  app.get("/openapi.json", (c) => c.json(document));
  app.get("/", () => dashboardFile("index.html"));
  app.get("/ui/*", (c) => dashboardFile(c.req.path.slice("/ui/".length)));

  for (const route of table) {
    app.on(route.method.toUpperCase(), route.path, async (c) => {
      let body: unknown;
      if (route.body) {
        const text = await c.req.text();
        try {
          body = text.trim() === "" ? {} : JSON.parse(text);
        } catch {
          throw Object.assign(new Error("The request body is not JSON"), { code: "INVALID_INPUT", status: 400 });
        }
      }
      const context: Context = {
        params: c.req.param() as Record<string, string>,
        query: parse(route.query, c.req.query(), "query") as Record<string, unknown>,
        body: parse(route.body, body, "body"),
        request: c.req.raw,
        signal: c.req.raw.signal,
      };
      const answer = await route.handler(context);
      if (answer instanceof Response) return answer;
      if (answer instanceof Reply) return Response.json(answer.body, { status: answer.status });
      return Response.json(answer ?? null);
    });
  }

  if (options.socket && lstatSync(options.socket, { throwIfNoEntry: false })?.isSocket()) unlinkSync(options.socket); // a stale socket of ours
  const fetch = (request: Request, srv: Bun.Server<undefined>) => app.fetch(request, { peer: srv.requestIP(request)?.address ?? null });
  // idleTimeout 0: event streams stay open (they send a keep-alive comment every 15 s).
  const server = options.socket ? Bun.serve({ unix: options.socket, fetch }) : Bun.serve({ hostname: "127.0.0.1", port: options.port ?? 0, idleTimeout: 0, fetch });
  if (options.socket) chmodSync(options.socket, 0o600);
  listener.port = options.socket ? null : (server.port ?? null);
  writeTokenFile(tokenFile, token);

  const watcher = watchStatuses(state.options, runs, controller.signal);
  // What rig commands in other processes (a terminal's `rig apply`) do, as events (README "Dashboard").
  const stateFile = options.project.state ? resolve(options.project.cwd, options.project.state) : join(options.stateDir, "state.sqlite");
  const others = watchState(stateFile, (event) => runs.bus.push(event.type, event));
  const address = options.socket ? null : writeAddressFile(options.stateDir, `http://127.0.0.1:${listener.port}`);
  return {
    url: options.socket ? `unix:${options.socket}` : `http://127.0.0.1:${listener.port}`,
    port: listener.port,
    token,
    tokenFile,
    runs,
    async stop() {
      controller.abort();
      clearInterval(watcher);
      others.stop();
      if (address) removeAddressFile(address);
      await runs.cancelAll();
      runs.bus.close();
      server.stop(true);
      removeTokenFile(tokenFile, token);
      if (options.socket && existsSync(options.socket)) unlinkSync(options.socket);
    },
  };
}

/**
 * `workspace.status` on `/events` when a workspace's live status changes (asked every
 * few seconds while someone listens; `rig ls` answers, one batched query per engine/host).
 */
function watchStatuses(options: ProjectOptions, runs: Runs, signal: AbortSignal): ReturnType<typeof setInterval> {
  const known = new Map<string, string>();
  let busy = false;
  const every = Number(process.env.RIGKIT_SERVE_STATUS_MS) || 3000;
  return setInterval(async () => {
    if (busy || signal.aborted || !runs.bus.hasListeners()) return;
    busy = true;
    try {
      const { workspaces } = await engine.listWorkspaces(options, {}, { signal, prompter: null });
      const seen = new Set<string>();
      for (const ws of workspaces) {
        const key = `${ws.workflow}\0${ws.name}`;
        seen.add(key);
        if (known.get(key) !== ws.status) {
          known.set(key, ws.status);
          runs.bus.push("workspace.status", { type: "workspace.status", workflow: ws.workflow, name: ws.name, status: ws.status });
        }
      }
      for (const key of known.keys()) if (!seen.has(key)) known.delete(key);
    } catch {
      // the config may be broken for a moment while someone edits it: try again next time
    } finally {
      busy = false;
    }
  }, every);
}
