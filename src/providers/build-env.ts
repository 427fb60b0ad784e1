/**
 * What a build (Docker's build container, LXD's build instance) gets that workspaces do
 * not (README "Builds that need the network"): the host's proxy variables, variables of
 * the config's own, and a CA bundle. The values travel only to the build's commands, never
 * into a snapshot, the state file or a log line (the log names the variables).
 */
import { existsSync, statSync } from "node:fs";
import { RigError } from "../errors.ts";

export interface BuildEnvConfig {
  /** Variables set for every command of a build (an empty value is left out). Secrets (`env.secret`) stay masked. */
  env?: Record<string, string>;
  /** Pass the host's proxy variables (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, ALL_PROXY, either case) as they are when rig runs. */
  proxy?: boolean;
  /** A CA bundle on this machine (PEM), copied into builds and named by the usual variables (CA_VARIABLES). */
  caBundle?: string;
}

/** Where the CA bundle goes in a build (removed before the snapshot). */
export const CA_PATH = "/tmp/rigkit-build-ca.pem";

/**
 * The variables that point tools at a CA bundle: OpenSSL and what links it (curl, git,
 * Python's ssl, Bun), Node, npm, pip and requests. `SSL_CERT_FILE` and the others
 * *replace* the trust store, so `caBundle` should be a full bundle (the host's
 * /etc/ssl/certs/ca-certificates.crt once the proxy's CA is installed there), not one cert.
 */
export const CA_VARIABLES = ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "npm_config_cafile", "PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO"];

const PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"].flatMap((name) => [name, name.toLowerCase()]);

/** The zod shape of BuildEnvConfig, for a provider's config schema. */
export function buildEnvShape(z: typeof import("zod").z) {
  return {
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a variable name"), z.string()).optional(),
    proxy: z.boolean().optional(),
    caBundle: z.string().optional(),
  };
}

export interface BuildEnv {
  /** Variables for each build command. */
  env: Record<string, string>;
  /** The host file to copy to CA_PATH, or null. */
  caBundle: string | null;
  /** For the task log: names only, never values. */
  summary: string[];
}

export function buildEnv(build: BuildEnvConfig, provider: string): BuildEnv {
  const env: Record<string, string> = {};
  if (build.proxy) for (const name of PROXY_VARIABLES) if (process.env[name]) env[name] = process.env[name] as string;
  for (const [name, value] of Object.entries(build.env ?? {})) if (value !== "") env[name] = value;
  const caBundle = build.caBundle || null;
  if (caBundle) {
    if (!existsSync(caBundle) || !statSync(caBundle).isFile()) {
      throw new RigError("PROVIDER_FAILED", `${provider}: build.caBundle ${caBundle} is not a file on this machine`, {
        detail: ["Point it at a PEM bundle, e.g. /etc/ssl/certs/ca-certificates.crt (Debian) or /etc/pki/tls/certs/ca-bundle.crt (Fedora)."],
      });
    }
    for (const name of CA_VARIABLES) env[name] = CA_PATH;
  }
  const named = Object.keys(env).filter((n) => !caBundle || !CA_VARIABLES.includes(n));
  const summary = [...(Object.keys(env).length > 0 ? [`env ${named.join(", ") || "(CA only)"}`] : []), ...(caBundle ? [`CA bundle ${caBundle}`] : [])];
  return { env, caBundle, summary };
}
