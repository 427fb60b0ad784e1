/**
 * How a local workspace directory is made and removed (README "Workspaces are
 * independent"): the fastest faithful copy this machine offers, and a removal that
 * unmounts an overlay and unregisters an old worktree first.
 */
import { lstatSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { RigError } from "../../errors.ts";
import { probe } from "../../host/probe.ts";
import { isCleanCheckout, linksElsewhere, ownRepository } from "./git.ts";
import { mayReflink, unmountOverlay } from "./overlay.ts";
import { removeOwned } from "./owner.ts";

/**
 * How a workspace was made from its base: a clone of the base's git repository (a clean
 * checkout, see git.ts), a copy-on-write clone, an overlay mount on the base (see
 * overlay.ts), or a full copy. (`worktree`: a workspace made by an older rig.)
 */
export type CopyMethod = "git" | "worktree" | "reflink" | "clone" | "overlay" | "copy";

/** Runs a helper command quietly: whether it succeeded, and its stdout (not installed: not ok). */
async function quiet(argv: string[]): Promise<{ ok: boolean; stdout: string }> {
  const result = await probe(argv);
  return { ok: result?.exitCode === 0, stdout: result?.stdout ?? "" };
}

/**
 * The fastest faithful copy the machine offers: a clone of the repository of a clean git
 * checkout (objects hard-linked), else a copy-on-write clone (`cp --reflink=always` on
 * Linux btrfs/xfs, `cp -c` on macOS APFS; only on the same filesystem as the base), else
 * an overlay (large bases rig prepared), else a plain `cp -a`. A copied `.git` that links
 * into another repository (a base made with `git worktree add`) becomes a repository of
 * the workspace's own (git.ts).
 */
export async function copyTree(from: string, to: string, options: { git?: boolean; overlay?: () => boolean } = {}): Promise<CopyMethod> {
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
  if (options.git !== false && (await isCleanCheckout(from))) {
    if (await ownRepository(from, to, true)) return "git";
    rmSync(to, { recursive: true, force: true });
  }
  const method = await copyFiles(from, to, reflinks, attempt, options.overlay);
  if (linksElsewhere(to) && !(await ownRepository(from, to, false))) {
    throw new RigError("PROVIDER_FAILED", `local: cannot give ${to} a git repository of its own (its .git links to another repository)`);
  }
  return method;
}

async function copyFiles(
  from: string,
  to: string,
  reflinks: () => Promise<boolean>,
  attempt: (argv: string[]) => Promise<boolean>,
  overlay: (() => boolean) | undefined,
): Promise<CopyMethod> {
  if (process.platform === "linux" && mayReflink(dirname(to)) && (await reflinks()) && (await attempt(["cp", "-a", "--reflink=always", from, to]))) return "reflink";
  if (process.platform === "darwin" && (await attempt(["cp", "-Rpc", from, to]))) return "clone";
  if (overlay?.()) return "overlay";
  if (await attempt(["cp", "-a", from, to])) return "copy";
  // No cp(1) at all: node:fs/promises (~2 ms to load) only then.
  const { cp } = require("node:fs/promises") as typeof import("node:fs/promises");
  await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  return "copy";
}

/**
 * Removes a workspace directory and its owner marker (unmounted first if an overlay); a
 * worktree (made by an older rig) is also unregistered from its repository.
 */
export async function removeTree(dir: string, layersRoot: string, stateDir: string): Promise<void> {
  unmountOverlay(layersRoot, stateDir, dir);
  const dotgit = join(dir, ".git");
  const gitdir = lstatSync(dotgit, { throwIfNoEntry: false })?.isFile() ? /^gitdir: (.*)$/m.exec(readFileSync(dotgit, "utf8"))?.[1] : undefined;
  removeOwned(dir);
  if (gitdir) {
    // <repo>/.git/worktrees/<name> → prune the repository's record of the removed worktree.
    await quiet(["git", "--git-dir", resolve(gitdir, "..", ".."), "worktree", "prune"]);
  }
}

