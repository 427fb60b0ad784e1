/**
 * What a build container gets that workspaces do not (README "Builds that need the
 * network"): its own network, environment (the host's proxy settings) and CA bundle.
 * None of it is committed into the snapshot: the network is the container's, the
 * variables (build-env.ts) are given to each `docker exec` by name (values travel in the
 * docker CLI's environment, never on a command line or in the image's config), and the CA
 * file is removed before the commit.
 */
import type { OutputSchema } from "../../sdk/types.ts";
import { type BuildEnvConfig, buildEnv, buildEnvShape } from "../build-env.ts";
import { schemaOf } from "../schema.ts";

export { CA_PATH } from "../build-env.ts";

export interface DockerBuildConfig extends BuildEnvConfig {
  /** `--network` for build containers (e.g. "host", or a network you made); default: the provider's `network`. */
  network?: string;
}

export interface DockerConfigShape {
  host?: string;
  network?: string;
  build?: DockerBuildConfig;
}

/** The zod schema, built only when a config needs more than the plain-string check below. */
function zodSchema() {
  const { z } = require("zod") as typeof import("zod");
  return z.strictObject({
    host: z.string().optional(),
    network: z.string().optional(),
    build: z
      .strictObject({ network: z.string().optional(), ...buildEnvShape(z) })
      .optional(),
  });
}

/**
 * The docker provider's config schema. The plain `{ host?, network? }` of most configs is
 * checked by hand (zod costs ~40 ms to load, which `rig ls` would pay on every call);
 * anything else, a `build` included, goes through zod for its checks and messages.
 */
export const dockerConfigSchema = schemaOf<DockerConfigShape>((value) => {
  const plain =
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.entries(value).every(([k, v]) => (k === "host" || k === "network") && (v === undefined || typeof v === "string"));
  if (plain) return { success: true as const, data: value as DockerConfigShape };
  return zodSchema().safeParse(value) as ReturnType<OutputSchema<DockerConfigShape>["safeParse"]>;
});

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
  const networkName = config.build?.network || config.network || "";
  const { env, caBundle, summary } = buildEnv(config.build ?? {}, "docker");
  const parts = [networkName ? `network ${networkName}` : "the engine's default network", ...summary];
  return { network: networkName ? ["--network", networkName] : [], env, caBundle, summary: parts.join(", ") };
}
