/**
 * An example provider (docs/providers.md walks through it): scratch directories under a
 * root you choose, owned by the project that made them.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ArtifactRef, type WorkspaceHandle, defineProvider, z } from "rigkit";

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
  /** Workspace hooks: an empty directory `<root>/<project id>/workspaces/<workspace>`. */
  createWorkspace(): { dir: string };
  removeWorkspace(dir: string): void;
}

/** The directory this provider claimed for a workspace. */
const dirOf = (workspace: WorkspaceHandle): string => {
  const dir = workspace.resources.find((r) => r.kind === "dir")?.id;
  if (!dir) throw new Error(`scratch: nothing recorded for workspace ${workspace.name}`);
  return dir;
};

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

      // Workspace methods (docs/providers.md): over what createWorkspace claimed.
      status: (workspaces) => workspaces.map((w) => (existsSync(dirOf(w)) ? "ready" : "missing")),
      exec(workspace, argv, { capture }) {
        const r = spawnSync(argv[0] as string, argv.slice(1), { cwd: dirOf(workspace), stdio: capture ? "pipe" : "inherit", encoding: "utf8" });
        return { exitCode: r.error ? 127 : (r.status ?? 1), stdout: r.stdout ?? undefined, stderr: r.stderr ?? undefined };
      },
      shell: (workspace) => spawnSync(process.env.SHELL || "/bin/sh", ["-l"], { cwd: dirOf(workspace), stdio: "inherit" }).status ?? 1,
      editor: (workspace) => ({ args: [dirOf(workspace)], uri: `vscode://file${dirOf(workspace)}` }),
      fork(source, target) {
        const dir = join(config.root, project.id, "workspaces", target.name);
        target.claim({ kind: "dir", id: dir }); // before making it: a crash leaves a trail
        cpSync(dirOf(source), dir, { recursive: true });
        return { dir };
      },

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
        createWorkspace() {
          if (!ctx.workspace) throw new Error("scratch: createWorkspace() is for workspace hooks");
          const dir = join(config.root, project.id, "workspaces", ctx.workspace.name);
          ctx.workspace.claim({ kind: "dir", id: dir });
          mkdirSync(dir, { recursive: true });
          return { dir };
        },
        removeWorkspace(dir) {
          if (dir.startsWith(join(config.root, project.id, "workspaces"))) rmSync(dir, { recursive: true, force: true });
        },
      }),
    };
  },
});
