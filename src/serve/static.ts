/**
 * The dashboard's files at `/` and `/ui/*` (src/serve/dashboard/, no build step): a fixed
 * set of names, so no request can name another file. Until the page is there, `/` says
 * where the API is.
 */
import { join } from "node:path";

const DIR = join(import.meta.dir, "dashboard");
const TYPES: Record<string, string> = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8", svg: "image/svg+xml" };
export const HEADERS = {
  "content-security-policy": "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};
/**
 * The graph layout library, read from the package's node_modules as the browser build
 * dagre ships (README "Dashboard"): no bundler, no CDN.
 */
const VENDOR: Record<string, string> = { "vendor/dagre.min.js": "@dagrejs/dagre/dist/dagre.min.js" };

export async function dashboardFile(name: string): Promise<Response> {
  const vendored = VENDOR[name];
  if (!vendored && !/^[a-z]+\.(html|js|css|svg)$/.test(name)) return new Response("not found\n", { status: 404, headers: HEADERS });
  const file = Bun.file(vendored ? Bun.resolveSync(vendored, import.meta.dir) : join(DIR, name));
  if (!(await file.exists())) {
    if (name === "index.html") return new Response("rig serve: the API is at /openapi.json\n", { headers: { ...HEADERS, "content-type": "text/plain; charset=utf-8" } });
    return new Response("not found\n", { status: 404, headers: HEADERS });
  }
  return new Response(file, { headers: { ...HEADERS, "content-type": TYPES[name.split(".").pop() as string] as string } });
}

/** What a browser gets at `/` or `/ui/*` without the cookie: a page saying how to sign in (the API answers JSON). */
export function signInPage(status: 401, message: string): Response {
  const text = `<!doctype html><meta charset="utf-8"><title>rig dashboard</title><h1>rig dashboard</h1><p>Not signed in: ${message.replace(/[<>&]/g, "")}. Open the link <code>rig ui</code> prints (it carries the token once, then a cookie does).</p>\n`;
  return new Response(text, { status, headers: { ...HEADERS, "content-type": "text/html; charset=utf-8" } });
}
