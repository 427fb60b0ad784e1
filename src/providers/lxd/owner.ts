/**
 * What makes an LXD instance this project's: `user.rigkit.*` config keys (README, "LXD
 * clusters"), set on every instance rig makes and so carried by its snapshots. rig
 * deletes only instances whose keys name this project's id or directory, checked again
 * right before deleting (docs/providers.md, "Ownership").
 */
import { createHash } from "node:crypto";
import type { ProjectInfo } from "../../sdk/provider.ts";
import { type LxdClient, LxdError, isNotFound } from "./api.ts";

export const KEY = {
  project: "user.rigkit.project",
  dir: "user.rigkit.project.dir",
  workflow: "user.rigkit.workflow",
  workspace: "user.rigkit.workspace",
  kind: "user.rigkit.kind",
  task: "user.rigkit.task",
  workdir: "user.rigkit.workdir",
} as const;

/**
 * What an instance is for: a workspace, a build in progress, a finished base (its snapshot
 * is the artifact), or a temporary copy `rig diff` reads files from (export.ts).
 */
export type InstanceKind = "workspace" | "build" | "base" | "shared-base" | "export";

export interface LxdInstance {
  name: string;
  status: string;
  location?: string;
  config: Record<string, string>;
}

export const ownedBy = (project: ProjectInfo) => (config: Record<string, string>) =>
  config[KEY.project] === project.id || (config[KEY.dir] !== undefined && config[KEY.dir] !== "" && config[KEY.dir] === project.dir);

/** Instance names are hostnames: letters, digits and '-', at most 63, starting with a letter. */
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "x";

/** `rig-<project>-<workflow>-<workspace>`, shortened with a hash when too long for a hostname. */
export function instanceName(project: ProjectInfo, ...parts: string[]): string {
  const full = ["rig", slug(project.id).slice(0, 8), ...parts.map(slug)].join("-");
  if (full.length <= 63) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, 54).replace(/-+$/, "")}-${hash}`;
}

/** A build's (then a base's) name: `rig-<project>--<random>`; the double '-' is never in a workspace's name, whose parts are slugs. */
export const buildName = (project: ProjectInfo): string => `rig-${slug(project.id).slice(0, 8)}--${crypto.randomUUID().slice(0, 8)}`;

export const instancePath = (name: string) => `/1.0/instances/${encodeURIComponent(name)}`;

/** The instance, or null when there is none. */
export async function findInstance(client: LxdClient, name: string, signal?: AbortSignal): Promise<LxdInstance | null> {
  try {
    return await client.get<LxdInstance>(instancePath(name), signal);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/**
 * Deletes an instance (stopping it first) only when its keys say it is this project's; a
 * missing one is fine. Returns whether there was one.
 */
export async function removeOwned(client: LxdClient, project: ProjectInfo, name: string, signal?: AbortSignal): Promise<boolean> {
  // A member that just came back (or a database leader being elected) answers with server
  // errors for several seconds ("Missing event connection with target cluster member"):
  // the lookup, stop and delete are tried again then (for about 10 s).
  for (let attempt = 1; ; attempt++) {
    try {
      const instance = await findInstance(client, name, signal);
      if (!instance) return attempt > 1; // (gone after a delete that did happen)
      if (!ownedBy(project)(instance.config ?? {})) {
        throw new LxdError(403, `lxd (${client.where}): refusing to delete instance ${name}: its user.rigkit.* keys do not name this project`);
      }
      if (instance.status !== "Stopped") {
        await client.run("PUT", `${instancePath(name)}/state`, { action: "stop", force: true, timeout: -1 }, signal).catch((error) => {
          if (!/already stopped|not running|not found/i.test(String(error))) throw error;
        });
      }
      await client.run("DELETE", instancePath(name), undefined, signal);
      return true;
    } catch (error) {
      if (isNotFound(error)) return true;
      // (A failed LXD operation says 400 whatever the cause, so only a refusal is final.)
      const refused = error instanceof LxdError && (error.status === 401 || error.status === 403);
      if (refused || attempt === 5 || signal?.aborted) throw error;
      await Bun.sleep(1000 * attempt);
    }
  }
}
