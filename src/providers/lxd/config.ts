/**
 * `lxd({ … })`'s options. Only `build` is checked with zod (loaded when a config has
 * one: it costs ~40 ms, which `rig ls` would pay on every call); the connection fields
 * are checked by api.ts when it connects.
 */
import type { OutputSchema } from "../../sdk/types.ts";
import { type BuildEnvConfig, buildEnvShape } from "../build-env.ts";
import { schemaOf } from "../schema.ts";
import type { LxdConnection } from "./api.ts";

export interface LxdConfig extends LxdConnection {
  /** Pin every instance to this cluster member; default: the cluster's scheduler decides. */
  target?: string;
  /** Storage pool for new instances' root disk; default: the profile's. */
  pool?: string;
  /** Profiles for new instances; default `["default"]`. */
  profiles?: string[];
  /** What build instances get that workspaces do not (README "Builds that need the network"). */
  build?: LxdBuildConfig;
}

export interface LxdBuildConfig extends BuildEnvConfig {
  /** A managed LXD network for build instances only: a `nic` device, removed before the snapshot. */
  network?: string;
  /** Profiles for build instances instead of `profiles` (e.g. one with a `nic`); a snapshot does not keep them. */
  profiles?: string[];
}

export const lxdConfigSchema = schemaOf<LxdConfig>((value) => {
  if (value === null || typeof value !== "object" || !("build" in value) || value.build === undefined) return { success: true as const, data: value as LxdConfig };
  const { z } = require("zod") as typeof import("zod");
  const build = z.strictObject({ network: z.string().optional(), profiles: z.array(z.string()).optional(), ...buildEnvShape(z) });
  return z.looseObject({ build }).safeParse(value) as ReturnType<OutputSchema<LxdConfig>["safeParse"]>;
});
