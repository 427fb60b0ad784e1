/**
 * What a build container gets that workspaces do not (README "Builds that need the
 * network"): its own network, environment (the host's proxy settings) and CA bundle.
 * None of it is committed into the snapshot: the network is the container's, the
 * variables are given to each `docker exec` by name (values travel in the docker CLI's
 * environment, never on a command line or in the image's config), and the CA file is
 * removed before the commit.
 */
import { existsSync, statSync } from "node:fs";
import { RigError } from "../../errors.ts";
import type { OutputSchema } from "../../sdk/types.ts";

export interface DockerBuildConfig {
  /** `--network` for build containers (e.g. "host", or a network you made); default: the provider's `network`. */
  network?: string;
  /** Variables set for every command of a build (an empty value is left out). Secrets (`env.secret`) stay masked. */
  env?: Record<string, string>;
  /** Pass the host's proxy variables (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, ALL_PROXY, either case) as they are when rig runs. */
  proxy?: boolean;
  /** A CA bundle on this machine (PEM), copied into build containers and named by the usual variables (CA_VARIABLES). */
  caBundle?: string;
}

export interface DockerConfigShape {
  host?: string;
  network?: string;
  build?: DockerBuildConfig;
}

/** Where the CA bundle goes in a build container (removed before the snapshot). */
export const CA_PATH = "/tmp/rigkit-build-ca.pem";

/**
 * The variables that point tools at a CA bundle: OpenSSL and what links it (curl, git,
 * Python's ssl, Bun), Node, npm, pip and requests. `SSL_CERT_FILE` and the others
 * *replace* the trust store, so `caBundle` should be a full bundle (the host's
 * /etc/ssl/certs/ca-certificates.crt once the proxy's CA is installed there), not one cert.
 */
export const CA_VARIABLES = ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "npm_config_cafile", "PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO"];

const PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"].flatMap((name) => [name, name.toLowerCase()]);

/** The zod schema, built only when a config needs more than the plain-string check below. */
function zodSchema() {
  const { z } = require("zod") as typeof import("zod");
  return z.strictObject({
    host: z.string().optional(),
    network: z.string().optional(),
    build: z
      .strictObject({
        network: z.string().optional(),
        env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a variable name"), z.string()).optional(),
        proxy: z.boolean().optional(),
        caBundle: z.string().optional(),
      })
      .optional(),
  });
}

/**
 * The docker provider's config schema. The plain `{ host?, network? }` of most configs is
 * checked by hand (zod costs ~40 ms to load, which `rig ls` would pay on every call);
 * anything else, a `build` included, goes through zod for its checks and messages.
 */
export const dockerConfigSchema: OutputSchema<DockerConfigShape> = {
  parse(value: unknown) {
    const result = this.safeParse(value);
    if (!result.success) throw result.error;
    return result.data;
  },
  safeParse(value: unknown) {
    const plain =
      value !== null &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      Object.entries(value).every(([k, v]) => (k === "host" || k === "network") && (v === undefined || typeof v === "string"));
    if (plain) return { success: true as const, data: value as DockerConfigShape };
    return zodSchema().safeParse(value) as ReturnType<OutputSchema<DockerConfigShape>["safeParse"]>;
  },
};

export interface BuildSettings {
  /** `--network …` for the build container. */
  network: string[];
  /** Variables for each build command: given by name to `docker exec`, values in the CLI's environment. */
  env: Record<string, string>;
  /** The host file to copy to CA_PATH, or null. */
  caBundle: string | null;
  /** For the task log: names only, never values. */
  summary: string;
}

export function buildSettings(config: DockerConfigShape): BuildSettings {
  const build = config.build ?? {};
  const networkName = build.network || config.network || "";
  const env: Record<string, string> = {};
  if (build.proxy) for (const name of PROXY_VARIABLES) if (process.env[name]) env[name] = process.env[name] as string;
  for (const [name, value] of Object.entries(build.env ?? {})) if (value !== "") env[name] = value;
  const caBundle = build.caBundle || null;
  if (caBundle) {
    if (!existsSync(caBundle) || !statSync(caBundle).isFile()) {
      throw new RigError("PROVIDER_FAILED", `docker: build.caBundle ${caBundle} is not a file on this machine`, {
        detail: ["Point it at a PEM bundle, e.g. /etc/ssl/certs/ca-certificates.crt (Debian) or /etc/pki/tls/certs/ca-bundle.crt (Fedora)."],
      });
    }
    for (const name of CA_VARIABLES) env[name] = CA_PATH;
  }
  const parts = [
    networkName ? `network ${networkName}` : "the engine's default network",
    ...(Object.keys(env).length > 0 ? [`env ${Object.keys(env).filter((n) => !CA_VARIABLES.includes(n) || !caBundle).join(", ") || "(CA only)"}`] : []),
    ...(caBundle ? [`CA bundle ${caBundle}`] : []),
  ];
  return { network: networkName ? ["--network", networkName] : [], env, caBundle, summary: parts.join(", ") };
}
