/**
 * An example provider (docs/providers.md walks through it): scratch directories under a
 * root you choose, owned by the project that made them.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ArtifactRef, defineProvider, z } from "rigkit";

export interface ScratchDir extends ArtifactRef {
  provider: "scratch";
  kind: "dir";
  path: string;
}

export interface ScratchRuntime {
  /** A directory `<root>/<project id>/<name>`, created if missing. */
  make(name: string): ScratchDir;
  /** Every directory this project made, from the provider's project storage. */
  made(): string[];
}

export const scratch = defineProvider<{ root: string }, ScratchRuntime>({
  id: "scratch",
  configSchema: z.object({ root: z.string().min(1) }),
  create({ config, storage, hostStorage, project }) {
    return {
      // Shown by `rig plan` (as a warning when failing) and `rig doctor`.
      checks: () => [
        existsSync(config.root)
          ? { name: "root", ok: true, message: config.root }
          : { name: "root", ok: false, message: `${config.root} does not exist: create it or change scratch({ root })` },
      ],
      // A cached task whose output holds a ref to a deleted directory reruns.
      validateArtifact: (ref) => typeof ref.path === "string" && existsSync(ref.path),
      runtime: (ctx) => ({
        make(name) {
          const path = join(config.root, project.id, name);
          mkdirSync(path, { recursive: true });
          // Label what you create, so the owner (and `rig gc`) can be found from the resource.
          writeFileSync(join(path, ".rigkit-owner"), JSON.stringify({ project: project.id, workflow: ctx.workflow }));
          storage.set(`dir:${name}`, path);
          hostStorage.set("made", (hostStorage.get<number>("made") ?? 0) + 1);
          ctx.log(`made ${path}`);
          return { provider: "scratch", kind: "dir", path };
        },
        made: () => storage.entries<string>("dir:").map(([, path]) => path),
      }),
    };
  },
});
