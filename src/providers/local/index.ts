/**
 * `local()`: the embedded default provider. No daemon, no network: commands run on this
 * machine, prepared directories live under `.rigkit/base/`, and workspaces are copies of
 * a prepared directory under `.rigkit/workspaces/<name>`.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cp } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { RigError } from "../../errors.ts";
import { runCommand, runInteractive } from "../../host/local.ts";
import { type ArtifactRef, defineProvider } from "../../sdk/provider.ts";
import type { ExecOptions, ExecResult } from "../../sdk/types.ts";
import { mountOverlay, retireBase, unmountOverlay } from "./overlay.ts";

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
  /** Deletes a workspace directory made by `createWorkspace`. */
  removeWorkspace(dir: string): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

function inside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/** Runs a helper command quietly: its exit status and stdout (Bun.spawn: execa costs ~27 ms to load). */
async function quiet(argv: string[]): Promise<{ ok: boolean; stdout: string }> {
  try {
    const child = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    return { ok: code === 0, stdout };
  } catch {
    return { ok: false, stdout: "" }; // not installed
  }
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
async function copyTree(from: string, to: string, overlay: (() => boolean) | null): Promise<CopyMethod> {
  // One small probe first: GNU cp --reflink=always would try (and fail) every file.
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
  if ((await isCleanCheckout(from)) && (await attempt(["git", "-C", from, "worktree", "add", "--quiet", "--detach", to, "HEAD"]))) return "worktree";
  if (process.platform === "linux" && (await reflinks()) && (await attempt(["cp", "-a", "--reflink=always", from, to]))) return "reflink";
  if (process.platform === "darwin" && (await attempt(["cp", "-Rpc", from, to]))) return "clone";
  if (overlay?.()) return "overlay";
  if (await attempt(["cp", "-a", from, to])) return "copy";
  await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  return "copy";
}

/** Removes a workspace directory (unmounted first if an overlay); a worktree is also unregistered from its repository. */
async function removeTree(dir: string, stateDir: string): Promise<void> {
  unmountOverlay(stateDir, dir);
  const marker = join(dir, ".git");
  const gitdir = existsSync(marker) && statSync(marker).isFile() ? /^gitdir: (.*)$/m.exec(readFileSync(marker, "utf8"))?.[1] : undefined;
  rmSync(dir, { recursive: true, force: true });
  if (gitdir) {
    // <repo>/.git/worktrees/<name> → prune the repository's record of the removed worktree.
    await quiet(["git", "--git-dir", resolve(gitdir, "..", ".."), "worktree", "prune"]);
  }
}

export const local = defineProvider<Record<string, never>, LocalRuntime>({
  id: "local",
  create({ project }) {
    const baseRoot = join(project.stateDir, "base");
    const workspaceRoot = join(project.stateDir, "workspaces");
    return {
      validateArtifact(ref) {
        return ref.kind === "dir" && typeof ref.path === "string" && existsSync(ref.path);
      },
      resources() {
        if (!existsSync(workspaceRoot)) return [];
        // Everything in there, including a copy probe a killed create left behind.
        return readdirSync(workspaceRoot).map((name) => {
          const dir = join(workspaceRoot, name);
          return { id: dir, match: { dir } };
        });
      },
      async destroy(resource) {
        const dir = resource.match.dir;
        if (dir && inside(workspaceRoot, resolve(dir))) await removeTree(resolve(dir), project.stateDir);
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
            const dir = join(ctx.task ? join(ctx.task.dataDir, "base") : baseRoot, name);
            // Overlay workspaces sit on this base: move it aside rather than change it under them.
            const retired = existsSync(dir) ? retireBase(project.stateDir, dir) : null;
            if (retired && !options.fresh) cpSync(retired, dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
            if (options.fresh) rmSync(dir, { recursive: true, force: true });
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
            const dir = join(workspaceRoot, workspace.name);
            if (existsSync(dir)) throw new RigError("PROVIDER_FAILED", `local: ${dir} already exists`, { detail: ["Remove it, or run `rig gc`."] });
            mkdirSync(workspaceRoot, { recursive: true, mode: 0o700 });
            // Record the directory before it exists, so a crash mid-copy leaves a findable trail.
            workspace.record({ dir });
            const started = performance.now();
            // An overlay only on rig's own bases, which it never changes under a mount.
            const overlay = inside(baseRoot, source) ? () => mountOverlay(project.stateDir, source, dir) : null;
            const method = await copyTree(source, dir, overlay);
            ctx.log(`copied ${source} → ${dir} (${method}, ${Math.round(performance.now() - started)}ms)`);
            return { dir, method };
          },
          async removeWorkspace(dir) {
            const target = resolve(dir);
            if (!inside(workspaceRoot, target)) {
              throw new RigError("PROVIDER_FAILED", `local: refusing to remove ${target}: not inside ${workspaceRoot}`);
            }
            await removeTree(target, project.stateDir);
          },
        };
      },
    };
  },
});
