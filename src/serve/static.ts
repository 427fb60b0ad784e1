/**
 * The dashboard's files at `/` and `/ui/*` (src/serve/dashboard/, no build step): a fixed
 * set of names, so no request can name another file. Until the page is there, `/` says
 * where the API is.
 */
import { join } from "node:path";

const DIR = join(import.meta.dir, "dashboard");
const TYPES: Record<string, string> = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };
const HEADERS = { "content-security-policy": "default-src 'self'; frame-ancestors 'none'; object-src 'none'", "x-content-type-options": "nosniff", "cache-control": "no-store" };

export async function dashboardFile(name: string): Promise<Response> {
  if (!/^[a-z]+\.(html|js|css)$/.test(name)) return new Response("not found\n", { status: 404, headers: HEADERS });
  const file = Bun.file(join(DIR, name));
  if (!(await file.exists())) {
    if (name === "index.html") return new Response("rig serve: the API is at /openapi.json\n", { headers: { ...HEADERS, "content-type": "text/plain; charset=utf-8" } });
    return new Response("not found\n", { status: 404, headers: HEADERS });
  }
  return new Response(file, { headers: { ...HEADERS, "content-type": TYPES[name.split(".").pop() as string] as string } });
}
