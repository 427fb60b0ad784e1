/**
 * A small client for the LXD REST API (1.0; Incus speaks the same), with no dependency:
 * Bun's fetch over the local unix socket (`{ unix }`) or HTTPS with a client certificate
 * (`{ tls }`), and Bun's WebSocket for exec streams (`ws+unix://` or `wss://`).
 * Async calls return an operation; `wait` blocks on `/1.0/operations/{id}/wait`.
 *
 * The client key is a secret (docs/providers.md, "What create receives"): it is only
 * handed to fetch/WebSocket, never put in a message, the state file or a log.
 */
import { existsSync, readFileSync } from "node:fs";
import { RigError } from "../../errors.ts";

export interface LxdConnection {
  /** `https://host:8443` or `unix:///path/to/unix.socket`; default: the local daemon's socket. */
  remote?: string;
  /** PEM (or a path to it): the client certificate the server trusts (`lxc config trust add`). */
  cert?: string;
  /** PEM (or a path to it): the client certificate's key. A secret: pass it with `env.secret(…)`. */
  key?: string;
  /** PEM (or a path to it) of the server's certificate, when it is not signed by a CA this machine trusts. */
  serverCert?: string;
  /** LXD project (not rig's): default "default". */
  project?: string;
}

export interface LxdResponse {
  type: "sync" | "async" | "error";
  status_code?: number;
  error_code?: number;
  error?: string;
  operation?: string;
  metadata: unknown;
}

export interface LxdOperation {
  id: string;
  status: string;
  status_code: number;
  err: string;
  metadata: Record<string, unknown> | null;
}

/** The local daemon's socket: LXD_SOCKET, LXD_DIR, then the usual places (Debian's, the snap's). */
export function localSocket(env: Record<string, string | undefined> = process.env): string {
  if (env.LXD_SOCKET) return env.LXD_SOCKET;
  if (env.LXD_DIR) return `${env.LXD_DIR}/unix.socket`;
  const known = ["/var/lib/lxd/unix.socket", "/var/snap/lxd/common/lxd/unix.socket", "/var/lib/incus/unix.socket"];
  return known.find((path) => existsSync(path)) ?? known[0]!;
}

/** A PEM given inline or as a file path. */
const pem = (value: string | undefined): string | undefined =>
  value === undefined || value === "" ? undefined : value.includes("-----BEGIN") ? value : readFileSync(value, "utf8");

export class LxdClient {
  /** Where it talks to, for messages: `https://host:8443` or the socket's path (never a secret). */
  readonly where: string;
  readonly socket: string | undefined;
  private readonly base: string;
  private readonly tls: { cert?: string; key?: string; ca?: string; checkServerIdentity?: () => undefined } | undefined;
  readonly project: string;

  constructor(connection: LxdConnection) {
    const remote = connection.remote ?? "";
    this.project = connection.project ?? "default";
    if (remote.startsWith("https://")) {
      this.socket = undefined;
      this.base = remote.replace(/\/+$/, "");
      this.where = this.base;
      const ca = pem(connection.serverCert);
      // A pinned server certificate is the identity: LXD's certificates name no host.
      this.tls = { cert: pem(connection.cert), key: pem(connection.key), ...(ca ? { ca, checkServerIdentity: () => undefined } : {}) };
    } else {
      if (remote !== "" && !remote.startsWith("unix://") && !remote.startsWith("/")) {
        throw new RigError("CONFIG_ERROR", `lxd: remote "${remote}" is neither https://host:port nor unix:///path/to/unix.socket`);
      }
      this.socket = remote.startsWith("unix://") ? remote.slice("unix://".length) : remote || localSocket();
      this.base = "http://lxd";
      this.where = this.socket;
      this.tls = undefined;
    }
  }

  /** `/1.0/…` with this client's LXD project. */
  path(path: string): string {
    if (this.project === "default") return path;
    return `${path}${path.includes("?") ? "&" : "?"}project=${encodeURIComponent(this.project)}`;
  }

  /** One request; throws PROVIDER_UNAVAILABLE when the server does not answer, PROVIDER_FAILED on an error answer (with `status`). */
  async request(method: string, path: string, body?: unknown, signal?: AbortSignal, headers?: Record<string, string>): Promise<LxdResponse> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${this.path(path)}`, {
        method,
        signal,
        headers: headers ?? (body === undefined ? undefined : { "content-type": "application/json" }),
        body: body === undefined ? undefined : typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
        ...(this.socket ? { unix: this.socket } : { tls: this.tls }),
      } as RequestInit);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new RigError("PROVIDER_UNAVAILABLE", `lxd (${this.where}) does not answer`, { detail: [String((error as Error).message ?? error)] });
    }
    const text = await response.text();
    let parsed: LxdResponse;
    try {
      parsed = JSON.parse(text) as LxdResponse;
    } catch {
      parsed = { type: "error", error: text.trim().slice(0, 300), error_code: response.status, metadata: null };
    }
    if (parsed.type === "error" || response.status >= 400) {
      throw new LxdError(response.status, `lxd (${this.where}): ${method} ${path.split("?")[0]}: ${parsed.error || `HTTP ${response.status}`}`);
    }
    return parsed;
  }

  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return (await this.request("GET", path, undefined, signal)).metadata as T;
  }

  /** An async call, waited for: its operation's metadata, or a PROVIDER_FAILED with the server's reason. */
  async run(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<LxdOperation> {
    const answer = await this.request(method, path, body, signal);
    if (answer.type !== "async") return { id: "", status: "Success", status_code: 200, err: "", metadata: answer.metadata as Record<string, unknown> };
    const operation = await this.wait(answer.metadata as LxdOperation, signal);
    if (operation.status_code >= 400) throw new LxdError(operation.status_code, `lxd (${this.where}): ${method} ${path.split("?")[0]}: ${operation.err || operation.status}`);
    return operation;
  }

  /** Waits for an operation to finish (in slices, so Ctrl-C is honoured). */
  async wait(operation: LxdOperation, signal?: AbortSignal): Promise<LxdOperation> {
    let current = operation;
    while (current.status_code < 200) {
      const answer = await this.request("GET", `/1.0/operations/${current.id}/wait?timeout=30`, undefined, signal);
      current = answer.metadata as LxdOperation;
    }
    return current;
  }

  /** A websocket of an operation (`secret` from its metadata's fds). */
  websocket(operationId: string, secret: string): Promise<WebSocket> {
    const route = this.path(`/1.0/operations/${operationId}/websocket?secret=${secret}`);
    const url = this.socket ? `ws+unix://${this.socket}:${route}` : `${this.base.replace(/^https/, "wss")}${route}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, this.tls ? ({ tls: this.tls } as unknown as string[]) : undefined);
      ws.binaryType = "arraybuffer";
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new RigError("PROVIDER_UNAVAILABLE", `lxd (${this.where}): cannot open the exec stream`));
    });
  }
}

/** An error answer from the server; `status` 404 means "no such thing". */
export class LxdError extends RigError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super("PROVIDER_FAILED", message);
  }
}

export const isNotFound = (error: unknown): boolean => error instanceof LxdError && (error.status === 404 || /not found/i.test(error.message));
