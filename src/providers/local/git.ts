/**
 * A workspace whose base is a git checkout is a git repository of its own (README
 * "Workspaces are independent"): never a `git worktree` or a `gitdir:` link into another
 * repository, whose objects, refs and branches a commit in the workspace would change
 * (a base made with `git worktree add` from the project links to the project's repository).
 * The workspace's repository is a `git clone --mirror --local` of the base's (objects
 * hard-linked on the same filesystem, copied otherwise; immutable, so sharing them is safe)
 * with the base's own config (its remotes, not a remote pointing at the base) and HEAD.
 */
import { existsSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { probe } from "../../host/probe.ts";

/** Runs git quietly: whether it succeeded, and its stdout (not installed: not ok). */
async function git(argv: string[]): Promise<{ ok: boolean; stdout: string }> {
  const result = await probe(["git", ...argv]);
  return { ok: result?.exitCode === 0, stdout: result?.stdout ?? "" };
}

/**
 * A git checkout with nothing untracked, ignored or modified and no submodules: a fresh
 * checkout of its HEAD reproduces it exactly.
 */
export async function isCleanCheckout(dir: string): Promise<boolean> {
  if (!existsSync(join(dir, ".git")) || existsSync(join(dir, ".gitmodules"))) return false;
  const status = await git(["-C", dir, "status", "--porcelain", "--ignored"]);
  return status.ok && status.stdout.trim() === "";
}

/**
 * Gives `target` (a directory, or one about to be made) a repository of its own cloned
 * from the checkout at `source`, replacing whatever `.git` it has; `checkout` also writes
 * the files of HEAD (a fresh workspace), else only the index is refreshed (a copied one
 * whose `.git` was a link). False when git cannot (nothing is left half-made).
 */
export async function ownRepository(source: string, target: string, checkout: boolean): Promise<boolean> {
  const common = await git(["-C", source, "rev-parse", "--path-format=absolute", "--git-common-dir"]);
  if (!common.ok) return false;
  const symbolic = await git(["-C", source, "symbolic-ref", "-q", "HEAD"]);
  const head = symbolic.ok ? `ref: ${symbolic.stdout.trim()}` : (await git(["-C", source, "rev-parse", "HEAD"])).stdout.trim();
  if (!head) return false;
  const fresh = join(target, ".git.rigkit-new");
  rmSync(fresh, { recursive: true, force: true });
  const dotgit = common.stdout.trim();
  mkdirSync(target, { recursive: true, mode: 0o755 });
  if (!(await git(["clone", "--quiet", "--mirror", "--local", dotgit, fresh])).ok) {
    rmSync(fresh, { recursive: true, force: true });
    return false;
  }
  // The base's own settings (remotes, branches' upstreams, user), as a copy would have
  // them, over the mirror's (whose origin is the base itself: a push would write there).
  const config = Bun.file(join(dotgit, "config"));
  if (await config.exists()) writeFileSync(join(fresh, "config"), await config.text());
  await git(["--git-dir", fresh, "config", "core.bare", "false"]);
  await git(["--git-dir", fresh, "config", "--unset", "core.worktree"]);
  writeFileSync(join(fresh, "HEAD"), `${head}\n`);
  const dotgitHere = join(target, ".git");
  if (lstatSync(dotgitHere, { throwIfNoEntry: false })) rmSync(dotgitHere, { recursive: true, force: true });
  renameSync(fresh, dotgitHere);
  return (await git(["-C", target, "reset", "--quiet", ...(checkout ? ["--hard"] : [])])).ok;
}

/** Whether `dir/.git` is a link (`gitdir: …`) into a repository elsewhere. */
export const linksElsewhere = (dir: string): boolean => lstatSync(join(dir, ".git"), { throwIfNoEntry: false })?.isFile() === true;
