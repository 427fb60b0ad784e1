/**
 * `rig serve`: the project's HTTP API and dashboard on 127.0.0.1 (README "Dashboard").
 * Every request needs the token from `.rigkit/serve.token` (0600): `Authorization: Bearer`,
 * or the cookie the dashboard gets from `/?token=…`. A request naming another Host (DNS
 * rebinding) or coming from another Origin (a page on another site) is refused before that.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findConfig, type ProjectOptions, stateDirOf, statePath } from "../engine/locate.ts";
import { dashboardResponse, isDashboardPath, requestToken, sameToken, securityHeaders } from "./dashboard.ts";
import { EventHub } from "./hub.ts";
import { apiRoute } from "./routes.ts";
import { watchState } from "./watch.ts";

export interface RunningServer {
  url: string;
  port: number;
  tokenFile: string;
  hub: EventHub;
  stop(): Promise<void>;
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: securityHeaders({ "Content-Type": "application/json; charset=utf-8" }) });
const refuse = (status: number, code: string, message: string) => json(status, { error: { code, message } });

export async function startServer(options: ProjectOptions, settings: { port?: number; statusIntervalMs?: number } = {}): Promise<RunningServer> {
  const location = await findConfig(options);
  const stateDir = stateDirOf(location);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(24).toString("base64url");
  const tokenFile = join(stateDir, "serve.token");
  rmSync(tokenFile, { force: true }); // never write through a link someone left there
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(tokenFile, 0o600);
  const project = { ...options, cwd: location.root, config: location.path };
  const hub = new EventHub();
  const watcher = watchState(statePath(location, options), (e) => hub.publish(e));
  let port = 0;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: settings.port ?? 0,
    idleTimeout: 0, // event streams stay open; they carry a comment every 15 s
    async fetch(req) {
      const url = new URL(req.url);
      const host = req.headers.get("host");
      if (host !== null && !allowedHosts().includes(host)) return refuse(403, "FORBIDDEN", `Host ${host} is not this server`);
      const origin = req.headers.get("origin");
      if (origin !== null && !allowedHosts().some((h) => origin === `http://${h}`)) return refuse(403, "FORBIDDEN", `Origin ${origin} may not use this server`);
      if (isDashboardPath(url.pathname)) return dashboardResponse(req, url, token);
      if (!sameToken(requestToken(req), token)) return refuse(401, "UNAUTHORIZED", "A token is needed: Authorization: Bearer <the token in .rigkit/serve.token>");
      if (url.pathname === "/events" && req.method === "GET") {
        const last = Number(req.headers.get("last-event-id") ?? url.searchParams.get("lastEventId") ?? Number.NaN);
        return hub.stream(Number.isFinite(last) ? last : null, req.signal);
      }
      const answer = await apiRoute(req, url, { project, root: location.root, hub, watcher });
      return answer ?? refuse(404, "NOT_FOUND", `No ${req.method} ${url.pathname}`);
    },
  });
  port = server.port as number;
  const url = `http://127.0.0.1:${port}`;
  const infoFile = join(stateDir, "serve.json");
  rmSync(infoFile, { force: true });
  writeFileSync(infoFile, `${JSON.stringify({ url, port, pid: process.pid })}\n`, { mode: 0o600, flag: "wx" });
  return {
    url,
    port,
    tokenFile,
    hub,
    async stop() {
      watcher.stop();
      await server.stop(true);
      rmSync(infoFile, { force: true });
      rmSync(tokenFile, { force: true });
    },
  };
}
