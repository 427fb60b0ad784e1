/**
 * Who may talk to `rig serve` (README "rig serve"): a request from this machine, to the
 * host name the server was reached as (127.0.0.1 or localhost, so a DNS-rebinding page
 * cannot use another name), from no browser page or the server's own, carrying the
 * token of `.rigkit/serve.token` as a bearer token or, in a browser, as the `rig_token`
 * cookie that `GET /?token=…` sets.
 */
import { closeSync, constants, lstatSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { timingSafeEqual } from "node:crypto";

export const TOKEN_COOKIE = "rig_token";

/** A fresh random token (256 bits). */
export const newToken = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");

/**
 * Writes the token to `path` (0600). Never through a symlink: whatever is at the path is
 * replaced by a new file created with O_EXCL | O_NOFOLLOW.
 */
export function writeTokenFile(path: string, token: string): void {
  if (lstatSync(path, { throwIfNoEntry: false })) unlinkSync(path);
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
}

/** Removes the token file if it still holds this token (another server may have replaced it). */
export function removeTokenFile(path: string, token: string): void {
  try {
    if (!lstatSync(path).isFile()) return;
    if (readFileSync(path, "utf8").trim() === token) unlinkSync(path);
  } catch {
    // already gone
  }
}

export const sameToken = (given: string, token: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
};

export type Refusal = { status: 401 | 403; message: string } | null;

export interface Listener {
  /** The TCP port, or null on a unix socket. */
  port: number | null;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** The token a request carries: `Authorization: Bearer …` or the cookie. */
export function tokenOf(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  const cookies = request.headers.get("cookie") ?? "";
  for (const part of cookies.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === TOKEN_COOKIE) return decodeURIComponent(value.join("="));
  }
  return null;
}

/** Whether a request may come in at all (before its token is looked at): where from, to which host, from which page. */
export function checkOrigin(request: Request, listener: Listener, peer: string | null): Refusal {
  if (listener.port !== null && (peer === null || !LOOPBACK.test(peer))) return { status: 403, message: "rig serve answers requests from this machine only" };
  const host = request.headers.get("host");
  const allowedHosts = listener.port === null ? ["localhost", "127.0.0.1"] : [`127.0.0.1:${listener.port}`, `localhost:${listener.port}`];
  if (host !== null && !allowedHosts.includes(host.toLowerCase())) return { status: 403, message: `Host ${host} is not this server (use 127.0.0.1 or localhost)` };
  if (listener.port === null && host === null) return null;
  const origin = request.headers.get("origin");
  if (origin !== null) {
    const own = listener.port === null ? [] : [`http://127.0.0.1:${listener.port}`, `http://localhost:${listener.port}`];
    // The page's origin must be the host it asked (a page of 127.0.0.1 asking localhost is another origin).
    if (!own.includes(origin.toLowerCase()) || (host !== null && origin.toLowerCase() !== `http://${host.toLowerCase()}`)) {
      return { status: 403, message: `Requests from ${origin} are refused (cross-origin)` };
    }
  }
  return null;
}

export function checkToken(request: Request, token: string): Refusal {
  const given = tokenOf(request);
  if (given === null) return { status: 401, message: "Missing token: send Authorization: Bearer <token> (the token is in .rigkit/serve.token)" };
  if (!sameToken(given, token)) return { status: 401, message: "Wrong token (the token is in .rigkit/serve.token)" };
  return null;
}
