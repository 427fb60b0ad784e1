/**
 * The Docker Engine API over a local unix socket, for the provider's own quick questions
 * (is the engine there, is an image still there, which containers are there and whose
 * are they) and removals. Each `docker` CLI call costs
 * some 20 ms of its own start-up before the engine does anything; the same request over
 * the socket costs 1–2 ms, which is most of `rig ls`, of the live check before a
 * workspace operation, and of `rig rm`.
 *
 * Only where the engine is a unix socket rig can name for certain: the provider's
 * `host`, else DOCKER_HOST, else the default socket when no docker context is selected.
 * tcp:// and ssh:// engines, contexts and TLS stay with the CLI, which knows them. A
 * request that cannot reach the socket answers null, and the caller asks the CLI instead
 * (whose error messages say why).
 */
import { homedir } from "node:os";

export interface EngineContainer {
  /** Without the leading "/". */
  name: string;
  /** created, running, paused, restarting, removing, exited or dead. */
  state: string;
  labels: Record<string, string>;
}

export interface EngineApi {
  /** The socket's path. */
  socket: string;
  /** Containers (running or not) that carry `label` (a key, or key=value); null: ask the CLI. */
  containers(label: string, signal?: AbortSignal): Promise<EngineContainer[] | null>;
  /** A container's labels; "missing" when there is no such container; null: ask the CLI. */
  labels(container: string): Promise<Record<string, string> | "missing" | null>;
  /** Removes a container like `docker rm -f`: true when gone (also when it was not there), null: ask the CLI. */
  remove(container: string): Promise<{ ok: true } | { ok: false; message: string } | null>;
  /** The engine's version; null: ask the CLI (which also says why it cannot reach the engine). */
  version(): Promise<string | null>;
  /** Whether an image (id or name) is on the engine; null: ask the CLI. */
  hasImage(image: string): Promise<boolean | null>;
}

/** The unix socket of the engine the CLI would use, or null when that is not certain. */
export function engineSocket(host: string | undefined, env: Record<string, string | undefined> = process.env): string | null {
  const address = host ?? env.DOCKER_HOST;
  if (address !== undefined && address !== "") return address.startsWith("unix://") ? address.slice("unix://".length) : null;
  if (env.DOCKER_CONTEXT && env.DOCKER_CONTEXT !== "default") return null;
  // A context chosen with `docker context use` lives in the CLI's config file.
  const file = `${env.DOCKER_CONFIG || `${env.HOME || homedir()}/.docker`}/config.json`;
  try {
    const config = JSON.parse(require("node:fs").readFileSync(file, "utf8")) as { currentContext?: string };
    if (config.currentContext && config.currentContext !== "default") return null;
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") return null; // unreadable or odd: leave it to the CLI
  }
  return "/var/run/docker.sock";
}

/** An API client for that socket, or null (then the CLI does everything). */
export function engineApi(host: string | undefined, env: Record<string, string | undefined> = process.env): EngineApi | null {
  if (env.RIGKIT_DOCKER_API === "0") return null; // the CLI for everything (to compare, or to work around an engine)
  const socket = engineSocket(host, env);
  if (!socket) return null;
  /** One request; null when the socket does not answer (no engine, no permission). */
  const request = async (method: string, path: string, signal?: AbortSignal): Promise<{ status: number; body: unknown } | null> => {
    let response: Response;
    try {
      response = await fetch(`http://docker${path}`, { method, unix: socket, signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      return null;
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // plain text: kept as it is
    }
    return { status: response.status, body };
  };
  const message = (body: unknown) => (typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string" ? (body as { message: string }).message : String(body));
  const id = (container: string) => encodeURIComponent(container);

  return {
    socket,
    async containers(label, signal) {
      const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
      const answer = await request("GET", `/containers/json?all=1&filters=${filters}`, signal);
      if (answer?.status !== 200 || !Array.isArray(answer.body)) return null;
      return (answer.body as { Names?: string[]; State?: string; Labels?: Record<string, string> | null }[]).map((c) => ({
        name: (c.Names?.[0] ?? "").replace(/^\//, ""),
        state: c.State ?? "",
        labels: c.Labels ?? {},
      }));
    },
    async labels(container) {
      const answer = await request("GET", `/containers/${id(container)}/json`);
      if (answer?.status === 404) return "missing";
      if (answer?.status !== 200) return null;
      return (answer.body as { Config?: { Labels?: Record<string, string> | null } }).Config?.Labels ?? {};
    },
    async version() {
      const answer = await request("GET", "/version");
      const version = (answer?.body as { Version?: unknown } | null)?.Version;
      return answer?.status === 200 && typeof version === "string" ? version : null;
    },
    async hasImage(image) {
      // Image names keep their slashes (the API's route takes them as they are).
      const answer = await request("GET", `/images/${image.split("/").map(encodeURIComponent).join("/")}/json`);
      return answer?.status === 200 ? true : answer?.status === 404 ? false : null;
    },
    async remove(container) {
      const answer = await request("DELETE", `/containers/${id(container)}?force=1`);
      if (!answer) return null;
      if (answer.status === 204 || answer.status === 404) return { ok: true };
      return { ok: false, message: message(answer.body) };
    },
  };
}
