/**
 * `local()`: the embedded default provider. No daemon, no network: commands run on this
 * machine, prepared directories live under `.rigkit/base/`, and workspaces are copies of
 * a prepared directory under `.rigkit/workspaces/<name>`.
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { RigError } from "../../errors.ts";
import { attach } from "../../host/attach.ts";
import { probe } from "../../host/probe.ts";
import { runCommand, runInteractive } from "../../host/local.ts";
import { type ArtifactRef, type LiveStatus, type WorkspaceHandle, type WorkspaceResource, defineProvider } from "../../sdk/provider.ts";
import type { ExecOptions, ExecResult } from "../../sdk/types.ts";
import { mayReflink, mountOverlay, overlayState, remount, retireBase, unmountOverlay, wantsOverlay } from "./overlay.ts";
import { MARKER_SUFFIX, type Owner, checkChain, markerOf, ownership, readMarker, removeOwned, writeMarker } from "./owner.ts";

export interface LocalDirRef extends ArtifactRef {
  provider: "local";
  kind: "dir";
  path: string;
}

/**
 * How a workspace was made from its base: a git worktree, a copy-on-write clone, an
 * overlay mount on the base (see overlay.ts), or a full copy.
 */
export type CopyMethod = "worktree" | "reflink" | "clone" | "overlay" | "copy";

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
  /** Copies a prepared directory into `.rigkit/workspaces/<workspace>` (in workspace hooks). */
  createWorkspace(options: { from: string | LocalDirRef }): Promise<{ dir: string; method: CopyMethod }>;
  /** Deletes a workspace directory made by `createWorkspace` (only one carrying this project's owner marker). */
  removeWorkspace(dir: string): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

function inside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/** Runs a helper command quietly: whether it succeeded, and its stdout (not installed: not ok). */
async function quiet(argv: string[]): Promise<{ ok: boolean; stdout: string }> {
  const result = await probe(argv);
  return { ok: result?.exitCode === 0, stdout: result?.stdout ?? "" };
}

/** A git checkout with nothing untracked, ignored or modified: a worktree reproduces it exactly. */
async function isCleanCheckout(dir: string): Promise<boolean> {
  if (!existsSync(join(dir, ".git"))) return false;
  const status = await quiet(["git", "-C", dir, "status", "--porcelain", "--ignored"]);
  return status.ok && status.stdout.trim() === "";
}

/**
 * The fastest faithful copy the machine offers: a `git worktree` of a clean checkout
 * (shares the object store), else a copy-on-write clone (`cp --reflink=always` on Linux
 * btrfs/xfs, `cp -c` on macOS APFS), else a plain `cp -a`.
 */
async function copyTree(from: string, to: string, options: { worktree?: boolean; overlay?: () => boolean } = {}): Promise<CopyMethod> {
  // One small probe first (GNU cp --reflink=always would try and fail every file), and
  // none at all on filesystems that never reflink (ext4, tmpfs, …; mayReflink).
  const reflinks = async () => {
    const probe = join(dirname(to), `.reflink-probe-${process.pid}`);
    writeFileSync(probe, "probe");
    const { ok } = await quiet(["cp", "--reflink=always", probe, `${probe}.copy`]);
    rmSync(probe, { force: true });
    rmSync(`${probe}.copy`, { force: true });
    return ok;
  };
  const attempt = async (argv: string[]) => {
    const { ok } = await quiet(argv);
    if (!ok) rmSync(to, { recursive: true, force: true });
    return ok;
  };
  if (options.worktree !== false && (await isCleanCheckout(from)) && (await attempt(["git", "-C", from, "worktree", "add", "--quiet", "--detach", to, "HEAD"]))) return "worktree";
  if (process.platform === "linux" && mayReflink(dirname(to)) && (await reflinks()) && (await attempt(["cp", "-a", "--reflink=always", from, to]))) return "reflink";
  if (process.platform === "darwin" && (await attempt(["cp", "-Rpc", from, to]))) return "clone";
  if (options.overlay?.()) return "overlay";
  if (await attempt(["cp", "-a", from, to])) return "copy";
  // No cp(1) at all: node:fs/promises (~2 ms to load) only then.
  const { cp } = require("node:fs/promises") as typeof import("node:fs/promises");
  await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  return "copy";
}

/** A fork's context: the source's, with its directory (wherever it appears at the top) swapped for the copy's. */
export function replaceValue<T extends Record<string, unknown>>(ctx: T, from: unknown, to: unknown): T {
  return Object.fromEntries(Object.entries(ctx).map(([k, v]) => [k, v === from ? to : v])) as T;
}

/**
 * Removes a workspace directory and its owner marker (unmounted first if an overlay); a
 * worktree is also unregistered from its repository.
 */
async function removeTree(dir: string, stateDir: string): Promise<void> {
  unmountOverlay(stateDir, dir);
  const dotgit = join(dir, ".git");
  const gitdir = lstatSync(dotgit, { throwIfNoEntry: false })?.isFile() ? /^gitdir: (.*)$/m.exec(readFileSync(dotgit, "utf8"))?.[1] : undefined;
  removeOwned(dir);
  if (gitdir) {
    // <repo>/.git/worktrees/<name> → prune the repository's record of the removed worktree.
    await quiet(["git", "--git-dir", resolve(gitdir, "..", ".."), "worktree", "prune"]);
  }
}

/** Where a workspace was copied from, as its claim recorded it (null: not recorded). */
export function madeFrom(resource: WorkspaceResource | undefined): string | null {
  const path = (resource?.madeFrom as { path?: unknown } | undefined)?.path;
  return typeof path === "string" ? path : null;
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

export const local = defineProvider<Record<string, never>, LocalRuntime>({
  id: "local",
  create({ project }) {
    const baseRoot = join(project.stateDir, "base");
    const workspaceRoot = join(project.stateDir, "workspaces");
    const owner: Owner = { project: project.id, dir: project.dir };
    /** Directories under `.rigkit/workspaces/` this project may delete: real directories with its marker. */
    const mine = (): string[] => {
      if (!lstatSync(workspaceRoot, { throwIfNoEntry: false })?.isDirectory()) return []; // missing, or a symlink: not ours to look into
      const names = new Set<string>();
      for (const entry of readdirSync(workspaceRoot)) {
        // A marker whose directory never got made (killed before the copy) counts too.
        const name = entry.startsWith(".") && entry.endsWith(MARKER_SUFFIX) ? entry.slice(1, -MARKER_SUFFIX.length) : entry;
        if (SEGMENT.test(name) && ownership(join(workspaceRoot, name), owner) === "owned") names.add(name);
      }
      return [...names].map((name) => join(workspaceRoot, name));
    };
    /**
     * `.rigkit/workspaces/<name>` for a new workspace (created or forked): claimed and
     * marked before it exists, so a crash mid-copy leaves a findable, removable trail.
     */
    const reserve = (workflow: string, workspace: { name: string; claim(r: WorkspaceResource): void; record(p: { dir: string }): void }, base?: string): string => {
      const dir = join(workspaceRoot, workspace.name);
      checkChain(project.stateDir, dir);
      if (lstatSync(dir, { throwIfNoEntry: false }) || readMarker(dir)) {
        throw new RigError("PROVIDER_FAILED", `local: ${dir} already exists`, { detail: ["Remove it, or run `rig gc`."] });
      }
      mkdirSync(workspaceRoot, { recursive: true, mode: 0o700 });
      // `madeFrom`: what `rig diff` compares with when the workspace is not a git checkout.
      // An object, not a string: a claim's string fields are what `destroy` matches on.
      workspace.claim({ kind: "dir", id: dir, dir, ...(base ? { madeFrom: { path: base } } : {}), access: { cwd: dir } });
      workspace.record({ dir });
      writeMarker(dir, { ...owner, workflow, workspace: workspace.name });
      return dir;
    };
    return {
      validateArtifact(ref) {
        return ref.kind === "dir" && typeof ref.path === "string" && existsSync(ref.path);
      },
      // (A symlinked `.rigkit/workspaces` is not looked into: whatever it points at is not rig's.)
      resources() {
        return mine().map((dir) => ({ id: dir, match: { dir } }));
      },
      // Prepared directories of this project (not of shared `.global()` fragments).
      artifacts() {
        if (!lstatSync(baseRoot, { throwIfNoEntry: false })?.isDirectory()) return [];
        return readdirSync(baseRoot)
          .filter((name) => SEGMENT.test(name) && ownership(join(baseRoot, name), owner) === "owned")
          .map((name) => ({ id: join(baseRoot, name), match: { ref: join(baseRoot, name), base: join(baseRoot, name) } }));
      },
      async destroy(resource) {
        const base = resource.match.base;
        if (base && inside(baseRoot, resolve(base))) {
          checkChain(project.stateDir, resolve(base));
          if (ownership(resolve(base), owner) === "owned") removeOwned(resolve(base));
          return;
        }
        const dir = resource.match.dir;
        if (!dir || !inside(workspaceRoot, resolve(dir))) return;
        checkChain(project.stateDir, resolve(dir));
        if (ownership(resolve(dir), owner) === "owned") await removeTree(resolve(dir), project.stateDir);
      },
      // A workspace is its directory: there (a real directory) or missing.
      status(workspaces) {
        return workspaces.map((ws): LiveStatus => {
          // (No resources: a workspace from before they were recorded; its context names the directory.)
          const legacy: WorkspaceResource[] = typeof ws.ctx.dir === "string" && inside(workspaceRoot, resolve(ws.ctx.dir)) ? [{ kind: "dir", id: ws.ctx.dir, dir: ws.ctx.dir }] : [];
          const dirs = (ws.resources.length > 0 ? ws.resources : legacy).filter((r) => r.kind === "dir").map((r) => String(r.dir ?? r.id));
          const gone = dirs.some((dir) => !lstatSync(dir, { throwIfNoEntry: false })?.isDirectory());
          if (gone) return "missing";
          // An overlay whose mount is gone (a reboot) is stopped: `rig start` mounts it again.
          return dirs.some((dir) => overlayState(project.stateDir, dir) === "unmounted") ? "stopped" : "ready";
        });
      },
      // Built-in access (README "Workspaces: access, forks and leases"): over the directory claimed in createWorkspace.
      exec: (workspace, argv, options) => attach(argv, { cwd: dirOf(workspace), capture: options.capture, signal: options.signal }),
      shell: async (workspace) => (await attach([process.env.SHELL || "/bin/sh", "-l"], { cwd: dirOf(workspace) })).exitCode,
      // Only an overlay workspace has something to start: its mount, lost on reboot.
      start(workspace) {
        const dir = String(workspace.resources.find((r) => r.kind === "dir")?.id ?? "");
        if (overlayState(project.stateDir, dir) !== "unmounted") return false;
        if (!remount(project.stateDir, dir)) {
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
        const dir = reserve(source.workflow, target, madeFrom(source.resources.find((r) => r.kind === "dir")) ?? undefined);
        const started = performance.now();
        const method = await copyTree(from, dir, { worktree: false });
        options.log(`copied ${from} → ${dir} (${method}, ${Math.round(performance.now() - started)}ms)`);
        return replaceValue(source.ctx, from, dir);
      },

      runtime(ctx) {
        const exec = (command: readonly string[] | string, options: ExecOptions = {}) =>
          runCommand(command, { ...options, label: "local" });
        return {
          exec,
          interactive: (argv, options) => runInteractive(argv, options),
          shell: ({ cwd }) => runInteractive([process.env.SHELL || "/bin/sh", "-l"], { cwd }),
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
            const retired = state === "owned" ? retireBase(project.stateDir, dir) : null;
            if (retired && !options.fresh) cpSync(retired, dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
            if (options.fresh && !retired && state === "owned") removeOwned(dir);
            mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
            writeMarker(dir, { ...baseOwner, workflow: ctx.workflow, base: name });
            mkdirSync(dir, { recursive: true, mode: 0o755 });
            return dir;
          },
          dirRef: (path) => ({ provider: "local", kind: "dir", path: resolve(path) }),
          async createWorkspace({ from }) {
            const workspace = ctx.workspace;
            if (!workspace) throw new RigError("PROVIDER_FAILED", "local: createWorkspace() is only available in workspace hooks");
            const source = typeof from === "string" ? resolve(from) : from.path;
            if (!existsSync(source)) {
              throw new RigError("PROVIDER_FAILED", `local: cannot create workspace ${workspace.name}: ${source} does not exist`, {
                detail: ["Run `rig apply` to prepare it again."],
              });
            }
            const dir = reserve(ctx.workflow, workspace, source);
            const started = performance.now();
            // An overlay only on rig's own bases, which it never changes under a mount.
            const overlay = inside(baseRoot, source) && wantsOverlay(source) ? () => mountOverlay(project.stateDir, source, dir) : null;
            const method = await copyTree(source, dir, { overlay: overlay ?? undefined });
            ctx.log(`copied ${source} → ${dir} (${method}, ${Math.round(performance.now() - started)}ms)`);
            return { dir, method };
          },
          async removeWorkspace(dir) {
            const target = resolve(dir);
            if (!inside(workspaceRoot, target)) {
              throw new RigError("PROVIDER_FAILED", `local: refusing to remove ${target}: not inside ${workspaceRoot}`);
            }
            checkChain(project.stateDir, target);
            const state = ownership(target, owner);
            // A workspace made before owner markers: its own recorded directory, a real one, is still its.
            const legacy = state === "foreign" && readMarker(target) === null && target === join(workspaceRoot, ctx.workspace?.name ?? "\0") &&
              lstatSync(target).isDirectory();
            if (state === "foreign" && !legacy) {
              throw new RigError("PROVIDER_FAILED", `local: refusing to remove ${target}: it was not made by rig for this project (no owner marker, or a symlink)`);
            }
            if (state !== "missing") await removeTree(target, project.stateDir);
          },
        };
      },
    };
  },
});
