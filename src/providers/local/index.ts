/**
 * `local()`: the embedded default provider. No daemon, no network: commands run on this
 * machine, prepared directories live under `.rigkit/base/`, and workspaces are copies of
 * a prepared directory outside the project tree, `$RIGKIT_HOME/workspaces/<project id>/<name>`
 * (README "Workspaces are independent"); workspaces made before that stay where they
 * were, under `.rigkit/workspaces/`, and keep working.
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { RigError } from "../../errors.ts";
import { attach } from "../../host/attach.ts";
import { localDirsFor } from "../../host/home.ts";
import { type IsolationPlan, canIsolate } from "../../host/isolate.ts";
import { runCommand, runInteractive } from "../../host/local.ts";
import { type ArtifactRef, type LiveStatus, type WorkspaceHandle, type WorkspaceResource, defineProvider } from "../../sdk/provider.ts";
import type { ExecOptions, ExecResult } from "../../sdk/types.ts";
import { mountOverlay, overlayState, overlayUsers, remount, retireBase, retiredBaseRoot, wantsOverlay } from "./overlay.ts";
import { treeFingerprint } from "./tree.ts";
import { copyProjectFiles } from "../source.ts";
import { type CopyMethod, copyTree, removeTree } from "./copy.ts";
import { filesNaming } from "./embedded.ts";
import { MARKER_SUFFIX, type Owner, checkChain, ownedBy, ownership, readMarker, removeOwned, writeMarker } from "./owner.ts";

export interface LocalDirRef extends ArtifactRef {
  provider: "local";
  kind: "dir";
  path: string;
}

export type { CopyMethod } from "./copy.ts";

export interface LocalRuntime {
  /** Runs a command on this machine (trusted: the config author chose the local provider). */
  exec(command: readonly string[] | string, options?: ExecOptions): Promise<ExecResult>;
  /** Runs a command attached to the terminal; resolves to its exit code. */
  interactive(argv: readonly string[], options?: { cwd?: string; env?: Record<string, string | undefined> }): Promise<number>;
  /** Opens the user's login shell in `cwd`. */
  shell(options: { cwd: string }): Promise<number>;
  /** A prepared directory `.rigkit/base/<name>`, created if missing (emptied first with `fresh`). */
  prepareDir(name: string, options?: { fresh?: boolean }): string;
  /** An artifact ref for a directory: `plan` reports `artifact-missing` once it is gone. */
  dirRef(path: string): LocalDirRef;
  /**
   * Copies the project's files into `dir` (those `inputs: ["**"]` hashes, without `.git/`,
   * rig's config and `node_modules/`/`.venv/`; `only`: these globs instead). Returns the count.
   */
  copyProject(dir: string, options?: { only?: readonly string[]; exclude?: readonly string[] }): number;
  /** Copies a prepared directory into `$RIGKIT_HOME/workspaces/<project id>/<workspace>` (in workspace hooks). */
  createWorkspace(options: { from: string | LocalDirRef }): Promise<{ dir: string; method: CopyMethod }>;
  /** Deletes a workspace directory made by `createWorkspace` (only one carrying this project's owner marker). */
  removeWorkspace(dir: string): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

function inside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/** A fork's context: the source's, with its directory (wherever it appears at the top) swapped for the copy's. */
export function replaceValue<T extends Record<string, unknown>>(ctx: T, from: unknown, to: unknown): T {
  return Object.fromEntries(Object.entries(ctx).map(([k, v]) => [k, v === from ? to : v])) as T;
}

/**
 * Where a workspace was copied from (what `rig diff` compares with), for its claim. An
 * object with a trailing slash on the path: `destroy` matches a claim's string fields and
 * `rig gc` looks for exact paths in records, and a workspace does not *use* its base.
 */
export const madeFromClaim = (base: string | null | undefined): { madeFrom?: { path: string } } =>
  base ? { madeFrom: { path: `${base.replace(/\/+$/, "")}/` } } : {};

/** Where a workspace was copied from, as its claim recorded it (null: not recorded). */
export function madeFrom(resource: WorkspaceResource | undefined): string | null {
  const path = (resource?.madeFrom as { path?: unknown } | undefined)?.path;
  return typeof path === "string" ? path.replace(/(.)\/+$/, "$1") : null;
}

/** The directory a workspace's handle names; a missing one is not a ready workspace. */
function dirOf(workspace: WorkspaceHandle): string {
  const dir = workspace.resources.find((r) => r.kind === "dir")?.id;
  // lstat: a symlink put where the directory was is not the workspace.
  if (!dir || !existsSync(dir)) {
    throw new RigError("WORKSPACE_NOT_READY", `Workspace ${workspace.name} is not ready (missing)`, {
      detail: [`${dir ?? "Its directory"} is gone; remove it with \`rig rm ${workspace.name}\` and create it again.`],
    });
  }
  return dir;
}

/** The isolation a workspace's handle recorded (none for workspaces made before it). */
const planOf = (workspace: WorkspaceHandle): IsolationPlan | undefined =>
  (workspace.resources.find((r) => r.kind === "dir")?.access as { isolate?: IsolationPlan } | undefined)?.isolate;

const withoutSlash = (path: string) => path.replace(/\/+$/, "");

/** Real path where it exists (a base reached through a symlink is named both ways in files). */
function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export const local = defineProvider<Record<string, never>, LocalRuntime>({
  id: "local",
  create({ project }) {
    const baseRoot = join(project.stateDir, "base");
    const legacyRoot = join(project.stateDir, "workspaces");
    const dirs = localDirsFor(project.id, project.dir);
    const workspaceRoot = dirs.workspaces;
    const roots = [workspaceRoot, legacyRoot];
    /**
     * A workspace made while RIGKIT_HOME was another directory: `<home>/workspaces/<this
     * project's id>/<name>`. rm may still remove it (its owner marker decides, as anywhere).
     */
    const otherHomeRoot = (dir: string) => {
      const root = dirname(dir);
      return basename(root) === basename(workspaceRoot) && basename(dirname(root)) === "workspaces" ? root : undefined;
    };
    /** Where a workspace directory's overlay layers are: beside its home's `workspaces/` (the project's `.rigkit/overlay` for older ones). */
    const layersFor = (dir: string) =>
      inside(legacyRoot, dir) ? join(project.stateDir, "overlay") : inside(workspaceRoot, dir) ? dirs.overlay : join(dirname(dirname(dirname(dir))), "overlay", basename(workspaceRoot));
    /** The directory a workspace dir is checked against for symlinks: its own root. */
    const rootOf = (dir: string) => roots.find((root) => inside(root, dir));
    const owner: Owner = { project: project.id, dir: project.dir };
    /** Workspace directories this project may delete (in both places): real directories with its marker. */
    const mine = (): string[] => roots.flatMap((root) => {
      // Missing, or a symlink on the way (`workspaces/` or `<project id>/`): not ours to look into.
      const chain = root === legacyRoot ? [root] : [dirname(root), root];
      if (!chain.every((p) => lstatSync(p, { throwIfNoEntry: false })?.isDirectory())) return [];
      const names = new Set<string>();
      for (const entry of readdirSync(root)) {
        // A marker whose directory never got made (killed before the copy) counts too.
        const name = entry.startsWith(".") && entry.endsWith(MARKER_SUFFIX) ? entry.slice(1, -MARKER_SUFFIX.length) : entry;
        if (SEGMENT.test(name) && ownership(join(root, name), owner) === "owned") names.add(name);
      }
      return [...names].map((name) => join(root, name));
    });
    /**
     * What a new workspace's commands see (src/host/isolate.ts): `aliases` show its files.
     * Where this machine cannot isolate, the copy is checked instead (`check`).
     */
    const planFor = (dir: string, aliases: string[]): IsolationPlan => ({
      dir,
      root: workspaceRoot,
      project: project.dir,
      // Each with a trailing slash: the workspace does not use these (a missing one is
      // skipped), so its record must not count as naming them for `rig gc`, which looks
      // for exact paths (a base no run needs, a leftover directory of a removed workspace).
      aliases: [...new Set(aliases.flatMap((a) => [a, realOr(a)]))].filter((a) => a !== dir).map((a) => `${a}/`),
      required: canIsolate(),
    });
    /** Without isolation: refuses (and removes) a copy whose files name what it was copied from. */
    const check = async (name: string, plan: IsolationPlan) => {
      if (plan.required) return;
      const naming = filesNaming(plan.dir, plan.aliases.map(withoutSlash));
      if (naming.length === 0) return;
      await removeTree(plan.dir, layersFor(plan.dir), project.stateDir);
      throw new RigError(
        "PROVIDER_FAILED",
        `local: workspace ${name} would reach ${withoutSlash(plan.aliases[0] ?? "its base")} through absolute paths in ${naming.slice(0, 5).join(", ")}${naming.length > 5 ? ` (and ${naming.length - 5} more)` : ""}, and rig cannot isolate it here (needs root or bubblewrap): install bubblewrap (bwrap), or make those files in the workspace's create hook instead of the base (e.g. python -m venv there), or use relative paths`,
      );
    };
    /**
     * The directory for a new workspace (created or forked), outside the project tree:
     * claimed and marked before it exists, so a crash mid-copy leaves a findable, removable trail.
     */
    const reserve = (
      workflow: string,
      workspace: { name: string; claim(r: WorkspaceResource): void; record(p: { dir: string }): void },
      aliases: string[],
      base?: string,
    ): IsolationPlan => {
      if (dirs.inside) {
        throw new RigError("PROVIDER_FAILED", `local: cannot place workspaces outside the project: ${workspaceRoot} is inside ${project.dir}`, {
          detail: ["Set RIGKIT_HOME to a directory outside the project."],
        });
      }
      const dir = join(workspaceRoot, workspace.name);
      // `$RIGKIT_HOME/workspaces/<project id>/`: never written through a symlink, before or after making it.
      const home = dirname(dirname(workspaceRoot));
      checkChain(home, dir);
      mkdirSync(workspaceRoot, { recursive: true, mode: 0o700 });
      checkChain(home, dir);
      if (lstatSync(dir, { throwIfNoEntry: false }) || readMarker(dir)) {
        throw new RigError("PROVIDER_FAILED", `local: ${dir} already exists`, { detail: ["Remove it, or run `rig gc`."] });
      }
      const plan = planFor(dir, aliases);
      workspace.claim({ kind: "dir", id: dir, dir, ...madeFromClaim(base), access: { cwd: dir, isolate: plan } });
      workspace.record({ dir });
      writeMarker(dir, { ...owner, workflow, workspace: workspace.name, isolate: plan });
      return plan;
    };
    /** The isolation of the workspace a command's `cwd` is in (from its marker), if any. */
    const isolationAt = (cwd: string | undefined): IsolationPlan | undefined => {
      if (!cwd) return undefined;
      const path = resolve(cwd);
      if (!inside(workspaceRoot, path)) return undefined;
      const marker = readMarker(join(workspaceRoot, relative(workspaceRoot, path).split("/")[0] as string));
      return marker && ownedBy(marker, owner) ? (marker.isolate as IsolationPlan | undefined) : undefined;
    };
    /**
     * Whether a workspace depends on this base directory itself, not on a copy of it: an
     * overlay's lower layer, or a checkout whose git worktrees workspaces are.
     */
    const baseInUse = (base: string): boolean => {
      if (overlayUsers(project.stateDir, dirs.overlay, base) > 0) return true;
      const worktrees = join(base, ".git", "worktrees");
      return lstatSync(worktrees, { throwIfNoEntry: false })?.isDirectory() === true && readdirSync(worktrees).length > 0;
    };
    return {
      validateArtifact(ref) {
        return ref.kind === "dir" && typeof ref.path === "string" && existsSync(ref.path);
      },
      // What a directory holds now, so a cached run is not reused once a later run (or
      // anything else) rewrote it (README "Correct reuse"; tree.ts says what counts).
      artifactState(ref) {
        return ref.kind === "dir" && typeof ref.path === "string" ? treeFingerprint(ref.path) : null;
      },
      // (A symlinked workspaces directory is not looked into: whatever it points at is not rig's.)
      resources() {
        return mine().map((dir) => ({ id: dir, match: { dir } }));
      },
      // Prepared directories of this project (not of shared `.global()` fragments), and bases
      // retired from under overlay workspaces, except those a workspace still sits on: rig
      // gc then removes the ones no cached run names (a retired one no run names).
      artifacts() {
        return [baseRoot, retiredBaseRoot(project.stateDir)].flatMap((root) => {
          if (!lstatSync(root, { throwIfNoEntry: false })?.isDirectory()) return []; // missing, or a symlink: not looked into
          return readdirSync(root)
            .filter((name) => SEGMENT.test(name) && ownership(join(root, name), owner) === "owned" && !baseInUse(join(root, name)))
            .map((name) => ({ id: join(root, name), match: { ref: join(root, name), base: join(root, name) } }));
        });
      },
      async destroy(resource) {
        const base = resource.match.base;
        if (base && (inside(baseRoot, resolve(base)) || inside(retiredBaseRoot(project.stateDir), resolve(base)))) {
          checkChain(project.stateDir, resolve(base));
          // Checked again right before deleting: a workspace made since may sit on it.
          if (ownership(resolve(base), owner) === "owned" && !baseInUse(resolve(base))) removeOwned(resolve(base));
          return;
        }
        const dir = resource.match.dir ? resolve(resource.match.dir) : undefined;
        const root = dir && rootOf(dir);
        if (!dir || !root) return;
        checkChain(root === legacyRoot ? project.stateDir : dirname(dirname(root)), dir);
        if (ownership(dir, owner) === "owned") await removeTree(dir, layersFor(dir), project.stateDir);
      },
      // A workspace is its directory: there (a real directory) or missing.
      status(workspaces) {
        return workspaces.map((ws): LiveStatus => {
          // (No resources: a workspace from before they were recorded; its context names the directory.)
          const legacy: WorkspaceResource[] = typeof ws.ctx.dir === "string" && rootOf(resolve(ws.ctx.dir)) ? [{ kind: "dir", id: ws.ctx.dir, dir: ws.ctx.dir }] : [];
          const dirs = (ws.resources.length > 0 ? ws.resources : legacy).filter((r) => r.kind === "dir").map((r) => String(r.dir ?? r.id));
          const gone = dirs.some((dir) => !lstatSync(dir, { throwIfNoEntry: false })?.isDirectory());
          if (gone) return "missing";
          // An overlay whose mount is gone (a reboot) is stopped: `rig start` mounts it again.
          return dirs.some((dir) => overlayState(layersFor(dir), dir) === "unmounted") ? "stopped" : "ready";
        });
      },
      // Built-in access (README "Workspaces: access, forks and leases"): over the directory claimed in createWorkspace, seen as
      // the workspace's own view of the machine (src/host/isolate.ts).
      exec: (workspace, argv, options) =>
        attach(argv, { cwd: dirOf(workspace), capture: options.capture, output: options.output, signal: options.signal, isolate: planOf(workspace) }),
      shell: async (workspace) => (await attach([process.env.SHELL || "/bin/sh", "-l"], { cwd: dirOf(workspace), isolate: planOf(workspace) })).exitCode,
      // Only an overlay workspace has something to start: its mount, lost on reboot.
      start(workspace) {
        const dir = String(workspace.resources.find((r) => r.kind === "dir")?.id ?? "");
        if (overlayState(layersFor(dir), dir) !== "unmounted") return false;
        if (!remount(layersFor(dir), dir)) {
          throw new RigError("PROVIDER_FAILED", `local: cannot mount the overlay of ${workspace.name} again at ${dir}`, {
            detail: ["Its base may be gone; remove it with `rig rm` and create it again."],
          });
        }
        return true;
      },
      forward: () => ({ local: true }),
      editor(workspace) {
        const dir = dirOf(workspace);
        return { args: [dir], uri: `vscode://file${encodeURI(dir)}` };
      },
      // `rig diff` / `rig merge` read the directories themselves: nothing is copied.
      exportFiles(workspace, { what }) {
        if (what === "workspace") return dirOf(workspace);
        const base = madeFrom(workspace.resources.find((r) => r.kind === "dir"));
        return base !== null && lstatSync(base, { throwIfNoEntry: false })?.isDirectory() ? base : null;
      },
      async fork(source, target, options) {
        const from = dirOf(source);
        // The copy stands in for its source too: paths written there name the source.
        const plan = reserve(source.workflow, target, [...(planOf(source)?.aliases ?? []).map(withoutSlash), from], madeFrom(source.resources.find((r) => r.kind === "dir")) ?? undefined);
        const started = performance.now();
        const method = await copyTree(from, plan.dir, { git: false });
        await check(target.name, plan);
        options.log(`copied ${from} → ${plan.dir} (${method}, ${Math.round(performance.now() - started)}ms)`);
        return replaceValue(source.ctx, from, plan.dir);
      },

      runtime(ctx) {
        // A command whose cwd is in a workspace sees that workspace's view of the machine.
        const exec = (command: readonly string[] | string, options: ExecOptions = {}) =>
          runCommand(command, { ...options, label: "local", isolate: isolationAt(options.cwd) });
        return {
          exec,
          interactive: (argv, options) => runInteractive(argv, { ...options, isolate: isolationAt(options?.cwd) }),
          shell: ({ cwd }) => runInteractive([process.env.SHELL || "/bin/sh", "-l"], { cwd, isolate: isolationAt(cwd) }),
          prepareDir(name, options = {}) {
            if (!SEGMENT.test(name) || name === "." || name === "..") {
              throw new RigError("PROVIDER_FAILED", `local: prepareDir("${name}"): use letters, digits, ".", "_" and "-" only`);
            }
            // Inside a .global() fragment, prepared directories are shared like its runs.
            const shared = ctx.task !== undefined && ctx.task.dataDir !== project.stateDir;
            const top = ctx.task ? ctx.task.dataDir : project.stateDir;
            const dir = join(top, "base", name);
            const baseOwner: Owner = shared ? { project: `fragment:${top}`, dir: "" } : owner;
            checkChain(top, dir);
            const state = ownership(dir, baseOwner);
            if (state === "foreign") {
              throw new RigError("PROVIDER_FAILED", `local: prepareDir("${name}"): ${dir} was not made by rig for this project (no owner marker)`, {
                detail: ["rig only changes directories it made; move it aside (or delete it yourself) and run again."],
              });
            }
            // Overlay workspaces sit on this base: move it aside rather than change it under them.
            const retired = state === "owned" ? retireBase(project.stateDir, dirs.overlay, dir) : null;
            // Marked as this project's, like every directory rig makes, so only `rig gc` of this project collects it.
            if (retired) writeMarker(retired, { ...baseOwner, workflow: ctx.workflow, base: name });
            if (retired && !options.fresh) cpSync(retired, dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
            if (options.fresh && !retired && state === "owned") removeOwned(dir);
            mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
            writeMarker(dir, { ...baseOwner, workflow: ctx.workflow, base: name });
            mkdirSync(dir, { recursive: true, mode: 0o755 });
            return dir;
          },
          dirRef: (path) => ({ provider: "local", kind: "dir", path: resolve(path) }),
          copyProject: (dir, options) => copyProjectFiles(project.root, dir, options),
          async createWorkspace({ from }) {
            const workspace = ctx.workspace;
            if (!workspace) throw new RigError("PROVIDER_FAILED", "local: createWorkspace() is only available in workspace hooks");
            const source = typeof from === "string" ? resolve(from) : from.path;
            if (!existsSync(source)) {
              throw new RigError("PROVIDER_FAILED", `local: cannot create workspace ${workspace.name}: ${source} does not exist`, {
                detail: ["Run `rig apply` to prepare it again."],
              });
            }
            const plan = reserve(ctx.workflow, workspace, [source], source);
            const dir = plan.dir;
            const started = performance.now();
            // An overlay only on rig's own bases, which it never changes under a mount.
            const overlay = inside(baseRoot, source) && wantsOverlay(source) ? () => mountOverlay(dirs.overlay, source, dir) : null;
            const method = await copyTree(source, dir, { overlay: overlay ?? undefined });
            await check(workspace.name, plan);
            ctx.log(`copied ${source} → ${dir} (${method}, ${Math.round(performance.now() - started)}ms)`);
            return { dir, method };
          },
          async removeWorkspace(dir) {
            const target = resolve(dir);
            // Where rig puts workspaces now, or under `.rigkit/workspaces/` where older ones are.
            const known = rootOf(target);
            const root = known ?? otherHomeRoot(target);
            if (!root) {
              throw new RigError("PROVIDER_FAILED", `local: refusing to remove ${target}: not inside ${workspaceRoot} (or ${legacyRoot})`);
            }
            checkChain(root === legacyRoot ? project.stateDir : dirname(dirname(root)), target);
            const state = ownership(target, owner);
            // A workspace made before owner markers: its own recorded directory, a real one, is still its.
            const legacy = known !== undefined && state === "foreign" && readMarker(target) === null && target === join(root, ctx.workspace?.name ?? "\0") &&
              lstatSync(target).isDirectory();
            if (state === "foreign" && !legacy) {
              throw new RigError("PROVIDER_FAILED", `local: refusing to remove ${target}: it was not made by rig for this project (no owner marker, or a symlink)`);
            }
            if (state !== "missing") await removeTree(target, layersFor(target), project.stateDir);
          },
        };
      },
    };
  },
});
