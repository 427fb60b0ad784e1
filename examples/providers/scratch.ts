/**
 * An example provider (docs/providers.md walks through it): scratch directories under a
 * root you choose, owned by the project that made them.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ArtifactRef, type LiveStatus, type ProjectInfo, type WorkspaceHandle, defineProvider, z } from "rigkit";

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
  /** Workspace hooks: a workspace directory `<root>/<project id>/workspaces/<workspace>`. */
  createWorkspace(): { dir: string };
  /** Deletes a directory `createWorkspace` made (only one carrying this project's marker). */
  removeWorkspace(dir: string): void;
}

/**
 * The resource/marker/status contract (docs/providers.md): a directory is this project's
 * when it is a real directory (not a symlink) and its `.rigkit-owner` names the project.
 */
function ownedBy(project: ProjectInfo, path: string): boolean {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat?.isDirectory() || stat.isSymbolicLink()) return false;
  try {
    const marker = JSON.parse(readFileSync(join(path, ".rigkit-owner"), "utf8")) as { project?: string; dir?: string };
    return marker.project === project.id || marker.dir === project.dir;
  } catch {
    return false;
  }
}

/** The directory createWorkspace (or fork) claimed for a workspace. */
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
      // What `rig gc` and `rig rm --force` see: workspace directories carrying our marker.
      resources() {
        const parent = join(config.root, project.id, "workspaces");
        if (!lstatSync(parent, { throwIfNoEntry: false })?.isDirectory()) return [];
        return readdirSync(parent)
          .map((name) => join(parent, name))
          .filter((dir) => ownedBy(project, dir))
          .map((dir) => ({ id: dir, match: { dir } }));
      },
      // Check the marker again before deleting: never remove what is not this project's.
      destroy({ match }) {
        if (match.dir?.startsWith(join(config.root, project.id, "workspaces", "/")) && ownedBy(project, match.dir)) rmSync(match.dir, { recursive: true });
      },
      // Live status of the directories claimed for each workspace, in one pass.
      status: (workspaces) =>
        workspaces.map((ws): LiveStatus => (ws.resources.every((r) => lstatSync(String(r.dir), { throwIfNoEntry: false })?.isDirectory()) ? "ready" : "missing")),
      // Built-in access (docs/providers.md): `rig exec`, `rig shell`, `rig code`, `rig create --from`.
      exec(workspace, argv, { capture }) {
        const r = spawnSync(argv[0] as string, argv.slice(1), { cwd: dirOf(workspace), stdio: capture ? "pipe" : "inherit", encoding: "utf8" });
        return { exitCode: r.error ? 127 : (r.status ?? 1), stdout: r.stdout ?? undefined, stderr: r.stderr ?? undefined };
      },
      shell: (workspace) => spawnSync(process.env.SHELL || "/bin/sh", ["-l"], { cwd: dirOf(workspace), stdio: "inherit" }).status ?? 1,
      editor: (workspace) => ({ args: [dirOf(workspace)], uri: `vscode://file${dirOf(workspace)}` }),
      fork(source, target) {
        const dir = join(config.root, project.id, "workspaces", target.name);
        target.claim({ kind: "dir", id: dir, dir }); // before making it: a crash leaves a trail
        cpSync(dirOf(source), dir, { recursive: true });
        writeFileSync(join(dir, ".rigkit-owner"), JSON.stringify({ project: project.id, dir: project.dir, workspace: target.name }));
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
          // Claim before making it: a crash in between still leaves a record rig can act on.
          ctx.workspace.claim({ kind: "dir", id: dir, dir });
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, ".rigkit-owner"), JSON.stringify({ project: project.id, dir: project.dir, workspace: ctx.workspace.name }));
          return { dir };
        },
        removeWorkspace(dir) {
          if (!lstatSync(dir, { throwIfNoEntry: false })) return;
          if (!ownedBy(project, dir)) throw new Error(`scratch: refusing to remove ${dir}: not this project's`);
          rmSync(dir, { recursive: true });
        },
      }),
    };
  },
});
