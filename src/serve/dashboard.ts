/**
 * The dashboard's files (README "Dashboard"): plain HTML, CSS and JavaScript modules from
 * src/serve/dashboard/, plus dagre's browser build read from node_modules — no build step,
 * no CDN. Served at `/` and `/ui/*` to the same callers as the API: a browser arrives once
 * with `/?token=<t>` (the URL `rig ui` opens) and gets the token back as an HttpOnly,
 * SameSite=Strict cookie, so page scripts never see it and other sites cannot send it.
 */
import { timingSafeEqual } from "node:crypto";
import { join } from "node:path";

export const COOKIE = "rig_token";

/** Nothing but this server: no inline script or style, no other origin, no framing. */
export const DASHBOARD_CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

const FILES_DIR = join(import.meta.dir, "dashboard");
const TYPES: Record<string, string> = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };

/** The files the page is made of, by URL path: a fixed list, so no request names another file. */
function fileFor(pathname: string): string | null {
  if (pathname === "/" || pathname === "/ui" || pathname === "/ui/") return join(FILES_DIR, "index.html");
  if (pathname === "/ui/vendor/dagre.min.js") return Bun.resolveSync("@dagrejs/dagre/dist/dagre.min.js", import.meta.dir);
  const name = /^\/ui\/([a-z]+\.(?:js|css))$/.exec(pathname)?.[1];
  return name ? join(FILES_DIR, name) : null;
}

export const isDashboardPath = (pathname: string): boolean => pathname === "/" || pathname === "/ui" || pathname.startsWith("/ui/") || pathname === "/favicon.ico";

/** Headers every dashboard answer carries. */
export function securityHeaders(extra: Record<string, string> = {}): Headers {
  return new Headers({
    "Content-Security-Policy": DASHBOARD_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    ...extra,
  });
}

export function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries: `Authorization: Bearer …` or the dashboard's cookie. */
export function requestToken(req: Request): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "")?.[1];
  if (bearer) return bearer;
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === COOKIE) return decodeURIComponent(value.join("="));
  }
  return null;
}

const refusal = (status: number, text: string): Response =>
  new Response(`<!doctype html><meta charset="utf-8"><title>rig dashboard</title><p>${text}</p>\n`, { status, headers: securityHeaders({ "Content-Type": "text/html; charset=utf-8" }) });

/**
 * Answers a dashboard path (see isDashboardPath). `token` is the server's; the caller has
 * already refused foreign Origin and Host headers, as for the API.
 */
export async function dashboardResponse(req: Request, url: URL, token: string): Promise<Response> {
  if (req.method !== "GET" && req.method !== "HEAD") return new Response(null, { status: 405, headers: securityHeaders({ Allow: "GET, HEAD" }) });
  if (url.pathname === "/favicon.ico") return new Response(null, { status: 204, headers: securityHeaders() });
  const offered = url.searchParams.get("token");
  if (url.pathname === "/" && offered !== null) {
    if (!sameToken(offered, token)) return refusal(401, "This link's token is wrong or out of date: run <code>rig ui</code> again for a fresh link.");
    // The token leaves the address bar (and the history) at once: a redirect to the bare page.
    return new Response(null, {
      status: 303,
      headers: securityHeaders({ Location: "/", "Set-Cookie": `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/` }),
    });
  }
  if (!sameToken(requestToken(req), token)) return refusal(401, "Not signed in: open the link <code>rig ui</code> prints (it carries the token).");
  const path = fileFor(url.pathname);
  const file = path ? Bun.file(path) : null;
  if (!file || !(await file.exists())) return new Response("not found\n", { status: 404, headers: securityHeaders({ "Content-Type": "text/plain; charset=utf-8" }) });
  const type = TYPES[(path as string).split(".").pop() as string] ?? "application/octet-stream";
  return new Response(req.method === "HEAD" ? null : file, { headers: securityHeaders({ "Content-Type": type }) });
}
