/**
 * `rig diff <ws>` and `rig merge <ws>` (README "Changes come back through git"): what
 * changed in a workspace since it was made, and those changes as a branch `rig/<ws>` of
 * the project's repository.
 *
 * The workspace's files come from its provider (`exportFiles`, docs/providers.md): a
 * local workspace's own directory, a copy of a container's working directory or of a
 * remote directory. What they are compared with:
 * - a workspace that is a git checkout: the newest commit of its history that the
 *   project's repository has on a branch, tag or remote (not on `rig/*`) — the commit its
 *   base was made from — so commits made in the workspace show, and are kept by `merge`;
 *   with no such commit (or no project repository), its own HEAD;
 * - otherwise the files it was made from (its base), as its provider recorded them.
 * All git work happens in a scratch repository (gitscratch.ts), never in the workspace.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { RigError } from "../../errors.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { enterDir } from "../../host/attach.ts";
import { untarFrom } from "../../host/untar.ts";
import type { ResourceAccess, WorkspaceResource } from "../../sdk/provider.ts";
import { accessAll, accessFor } from "./access.ts";
import { Scratch, git } from "./gitscratch.ts";
import type { Project } from "../project/project.ts";
import { recordedState, requireReady } from "./status.ts";

export type ChangeStatus = "added" | "modified" | "deleted" | "renamed" | "type-changed" | "copied";

export interface ChangedFile {
  path: string;
  status: ChangeStatus;
  /** Lines added and deleted; null for a binary file. */
  additions: number | null;
  deletions: number | null;
  binary: boolean;
  /** The old path of a renamed file. */
  from?: string;
}

export type DiffBase = { kind: "commit"; commit: string } | { kind: "files" };

/** `rig diff --json`. */
export interface WorkspaceDiff {
  workspace: string;
  workflow: string;
  base: DiffBase;
  files: ChangedFile[];
  /** The unified diff (binary files as git binary patches); left out with `--stat`. */
  patch?: string;
  stat?: string;
}

/** `rig merge --json`. */
export interface MergeResult {
  workspace: string;
  workflow: string;
  branch: string;
  commit: string;
  /** The commit the branch starts from (in the project's history). */
  base: string;
  /** Commits on the branch after `base`. */
  commits: number;
}

interface Collected {
  scratch: Scratch;
  /** The tree or commit compared from, and the tree of the files now. */
  from: string;
  to: string;
  base: DiffBase;
  /** The workspace's own HEAD, when it is a git checkout. */
  head: string | null;
  repo: ProjectRepo | null;
}

interface ProjectRepo {
  top: string;
  objects: string;
}

/** The project's git repository (the one holding its config), or null when there is none. */
async function projectRepo(project: Project, signal: AbortSignal): Promise<ProjectRepo | null> {
  const found = await git(["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir"], { cwd: project.info.root, signal, allowFail: true });
  if (found.exitCode !== 0) return null;
  const [top = "", common = ""] = found.stdout.trim().split("\n");
  return { top, objects: join(common, "objects") };
}

/** The commits the project's branches, tags and remotes point at (`rig/*` branches left out). */
async function projectTips(repo: ProjectRepo, signal: AbortSignal): Promise<string[]> {
  const refs = await git(["for-each-ref", "--format=%(refname)\t%(objecttype)\t%(objectname)\t%(*objecttype)\t%(*objectname)", "refs/heads", "refs/tags", "refs/remotes"], { cwd: repo.top, signal });
  const tips = new Set<string>();
  for (const line of refs.stdout.split("\n").filter(Boolean)) {
    const [name = "", type, id = "", peeledType, peeled = ""] = line.split("\t");
    if (name.startsWith("refs/heads/rig/")) continue;
    if (type === "commit") tips.add(id);
    else if (peeledType === "commit") tips.add(peeled);
  }
  const head = await git(["rev-parse", "--verify", "-q", "HEAD^{commit}"], { cwd: repo.top, signal, allowFail: true });
  if (head.exitCode === 0) tips.add(head.stdout.trim());
  return [...tips];
}

/** Gathers the workspace's files and what they are compared with, in a scratch repository. */
async function collect(project: Project, row: WorkspaceRow, signal: AbortSignal): Promise<Collected> {
  const state = recordedState(row);
  if (state !== "ready" && state !== "stopped" && state !== "expired") await requireReady(project, row);
  const exportFiles = await exporterOf(project, row);
  const scratch = await Scratch.create(signal);
  try {
    const files = await exportFiles("workspace", scratch.dir("workspace"), signal);
    if (files === null) throw new RigError("PROVIDER_FAILED", `The files of workspace ${row.name} cannot be read`);
    const repo = await projectRepo(project, signal);
    if (repo) scratch.borrow(repo.objects);
    const head = existsSync(join(files, ".git")) ? await workspaceHead(scratch, files, signal) : null;
    if (head) {
      const to = await scratch.treeOf(files, head, "index", signal);
      let from = head;
      if (repo) {
        const tips = await projectTips(repo, signal);
        const merged = tips.length ? await scratch.run(["merge-base", head, ...tips], { signal, allowFail: true }) : null;
        if (merged?.exitCode === 0) from = merged.stdout.trim();
      }
      return { scratch, from, to, base: { kind: "commit", commit: from }, head, repo };
    }
    const baseFiles = await exportFiles("base", scratch.dir("base"), signal);
    if (baseFiles === null) {
      throw new RigError("USAGE", `Cannot tell what changed in workspace ${row.name}: it is not a git checkout and the files it was made from are unknown or gone`, {
        detail: ["Make the workspace's base a git checkout, or keep its base directory (rig diff compares with it)."],
      });
    }
    const from = await scratch.treeOf(baseFiles, null, "index-base", signal);
    const to = await scratch.treeOf(files, null, "index", signal);
    return { scratch, from, to, base: { kind: "files" }, head: null, repo };
  } catch (error) {
    scratch.dispose();
    throw error;
  }
}

type Exporter = (what: "workspace" | "base", into: string, signal: AbortSignal) => Promise<string | null>;

/**
 * How to get the workspace's files: its provider's `exportFiles`, or — for a provider
 * without it — a tar stream through the access recipe it recorded for `rig exec`
 * (ResourceAccess), which gives the workspace's files (not its base: such a workspace
 * must be a git checkout to be compared).
 */
async function exporterOf(project: Project, row: WorkspaceRow): Promise<Exporter> {
  const all = await accessAll(project, row);
  const found = all.find((a) => typeof a.controller.exportFiles === "function");
  if (found) {
    const exportFiles = found.controller.exportFiles as NonNullable<typeof found.controller.exportFiles>;
    return async (what, into, signal) => exportFiles(found.handle, { what, into, signal });
  }
  const recipe = project.store
    .resources(row.workflow, row.name)
    .map((r) => (JSON.parse(r.data) as WorkspaceResource).access)
    .find((a): a is ResourceAccess => a !== undefined);
  if (!recipe) return (await accessFor(project, row, "exportFiles", "show its changes (diff, merge)")) as never; // the usage error
  return async (what, into, signal) => {
    if (what === "base") return null;
    if (!recipe.argv) return recipe.cwd ?? null;
    for (const dir of recipe.dirs ?? []) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const argv = recipe.shell ? [...recipe.argv, `${recipe.cwd ? `${enterDir(recipe.cwd)} && ` : ""}tar -cf - .`] : [...recipe.argv, "tar", "-cf", "-", "."];
    await untarFrom(argv, into, { env: recipe.env ? { ...process.env, ...recipe.env } : undefined, signal, what: `workspace ${row.name}` });
    return into;
  };
}

/**
 * The workspace repository's HEAD commit, its objects lent to the scratch repository.
 * rev-parse reads the workspace's git config but runs nothing from it.
 */
async function workspaceHead(scratch: Scratch, files: string, signal: AbortSignal): Promise<string | null> {
  const found = await git(["-c", "safe.directory=*", "rev-parse", "--path-format=absolute", "--git-common-dir", "--verify", "-q", "HEAD^{commit}"], {
    cwd: files,
    signal,
    allowFail: true,
  });
  const [common, head] = found.stdout.trim().split("\n");
  if (found.exitCode !== 0 || !common || !head) return null; // no commit yet: compared as plain files
  scratch.borrow(join(common, "objects"));
  return head;
}

const STATUS: Record<string, ChangeStatus> = { A: "added", M: "modified", D: "deleted", R: "renamed", T: "type-changed", C: "copied" };

/** The changed files from `git diff-tree -z --numstat` and `--name-status`. */
async function changedFiles(scratch: Scratch, from: string, to: string, signal: AbortSignal): Promise<ChangedFile[]> {
  const args = ["diff-tree", "-r", "-M", "-z", "--no-ext-diff", "--no-textconv", from, to];
  const [names, numbers] = await Promise.all([scratch.run([...args, "--name-status"], { signal }), scratch.run([...args, "--numstat"], { signal })]);
  const files: ChangedFile[] = [];
  const n = names.stdout.split("\0");
  for (let i = 0; i < n.length - 1; ) {
    const code = (n[i++] as string).charAt(0);
    const renamed = code === "R" || code === "C";
    const from = renamed ? n[i++] : undefined;
    const path = n[i++] as string;
    files.push({ path, status: STATUS[code] ?? "modified", additions: null, deletions: null, binary: false, ...(from !== undefined ? { from } : {}) });
  }
  // numstat -z: "a\td\tpath\0", or for a rename "a\td\t\0old\0new\0".
  const s = numbers.stdout.split("\0");
  let k = 0;
  for (let i = 0; i < s.length - 1 && k < files.length; k++) {
    const [added = "", deleted = "", path = ""] = (s[i++] as string).split("\t");
    if (path === "") i += 2;
    const file = files[k] as ChangedFile;
    file.binary = added === "-";
    file.additions = file.binary ? null : Number(added);
    file.deletions = file.binary ? null : Number(deleted);
  }
  return files;
}

/** `rig diff`: the changed files and, unless `stat`, the unified diff. */
export async function diffWorkspace(project: Project, row: WorkspaceRow, options: { stat?: boolean; signal: AbortSignal }): Promise<WorkspaceDiff> {
  const { signal } = options;
  const found = await collect(project, row, signal);
  try {
    const { scratch, from, to } = found;
    const files = await changedFiles(scratch, from, to, signal);
    const result: WorkspaceDiff = { workspace: row.name, workflow: row.workflow, base: found.base, files };
    if (options.stat) result.stat = (await scratch.run(["diff-tree", "-r", "-M", "--stat", "--no-ext-diff", from, to], { signal })).stdout;
    else result.patch = (await scratch.run(["diff-tree", "-r", "-M", "-p", "--binary", "--no-ext-diff", "--no-textconv", from, to], { signal })).stdout;
    return result;
  } finally {
    found.scratch.dispose();
  }
}

/** Who the scratch commits are by: the project repository's user, else rig. */
async function identity(repo: ProjectRepo, signal: AbortSignal): Promise<Record<string, string>> {
  const read = async (key: string) => (await git(["config", "--get", key], { cwd: repo.top, signal, allowFail: true })).stdout.trim();
  const name = (await read("user.name")) || "rig";
  const email = (await read("user.email")) || "rig@localhost";
  return { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
}

/**
 * `rig merge`: the workspace's changes as branch `rig/<ws>` of the project's repository,
 * made with a scratch index and `commit-tree`, then fetched into the project, so its
 * working tree, index and HEAD are never touched. A workspace that is a git checkout keeps
 * its commits; its uncommitted changes become one more commit on top. An existing
 * `rig/<ws>` is only moved forward (a branch with other commits is refused).
 */
export async function mergeWorkspace(project: Project, row: WorkspaceRow, options: { signal: AbortSignal }): Promise<MergeResult> {
  const { signal } = options;
  const repo = await projectRepo(project, signal);
  if (!repo) {
    throw new RigError("NOT_A_GIT_REPOSITORY", `rig merge: ${project.info.root} is not in a git repository`, {
      detail: ["Use `rig merge " + row.name + " --patch > changes.patch` (or `rig diff`) to get the changes as a patch instead."],
    });
  }
  const found = await collect(project, row, signal);
  const { scratch } = found;
  try {
    const env = await identity(repo, signal);
    let base: string;
    let tip: string;
    if (found.head) {
      if (found.base.kind !== "commit" || found.from === found.head && !(await inProject(repo, found.head, signal))) {
        throw new RigError("MERGE_CONFLICT", `rig merge: the history of workspace ${row.name} shares no commit with the project's repository`, {
          detail: ["Its base was not made from this repository; use `rig merge " + row.name + " --patch` and apply the patch yourself."],
        });
      }
      base = found.from;
      const headTree = (await scratch.run(["rev-parse", `${found.head}^{tree}`], { signal })).stdout.trim();
      tip = headTree === found.to
        ? found.head
        : (await scratch.run(["commit-tree", found.to, "-p", found.head, "-m", `rig: uncommitted changes of workspace ${row.name}`], { signal, env })).stdout.trim();
    } else {
      // Plain files: their diff, applied to the project's HEAD in a scratch index.
      const head = await git(["rev-parse", "--verify", "-q", "HEAD^{commit}"], { cwd: repo.top, signal, allowFail: true });
      if (head.exitCode !== 0) throw new RigError("MERGE_CONFLICT", "rig merge: the project's repository has no commit yet to put the changes on");
      base = head.stdout.trim();
      const patch = (await scratch.run(["diff-tree", "-r", "-p", "--binary", "--full-index", "--no-ext-diff", "--no-textconv", found.from, found.to], { signal })).stdout;
      tip = base;
      if (patch !== "") {
        await scratch.run(["read-tree", base], { index: "index-merge", signal });
        const applied = await scratch.run(["apply", "--cached", "--binary", "-"], { index: "index-merge", input: patch, signal, allowFail: true });
        if (applied.exitCode !== 0) {
          throw new RigError("MERGE_CONFLICT", `rig merge: the changes of workspace ${row.name} do not apply to the project's HEAD`, {
            detail: [...applied.stderr.trim().split("\n").slice(0, 5), `Use \`rig merge ${row.name} --patch\` to see them and apply them by hand.`],
          });
        }
        const tree = (await scratch.run(["write-tree"], { index: "index-merge", signal })).stdout.trim();
        tip = (await scratch.run(["commit-tree", tree, "-p", base, "-m", `rig: changes of workspace ${row.name}`], { signal, env })).stdout.trim();
      }
    }
    const branch = `rig/${row.name}`;
    await scratch.run(["update-ref", "refs/rig/export", tip], { signal });
    // A fetch: git refuses a checked-out branch, and rig/<ws> only moves forward — or past
    // the commit of uncommitted changes an earlier merge made (rig's own; its parent kept).
    const replace = await replacesOwnCommit(scratch, repo, branch, tip, signal);
    const fetched = await git(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", scratch.gitDir, `${replace ? "+" : ""}refs/rig/export:refs/heads/${branch}`], {
      cwd: repo.top,
      signal,
      allowFail: true,
    });
    if (fetched.exitCode !== 0) {
      throw new RigError("MERGE_CONFLICT", `rig merge: cannot update branch ${branch} of the project's repository`, {
        detail: [...fetched.stderr.trim().split("\n").slice(-3), `It has commits the workspace does not have, or is checked out: merge or delete it (git branch -D ${branch}), then run rig merge again.`],
      });
    }
    const commits = Number((await scratch.run(["rev-list", "--count", `${base}..${tip}`], { signal })).stdout.trim());
    return { workspace: row.name, workflow: row.workflow, branch, commit: tip, base, commits };
  } finally {
    scratch.dispose();
  }
}

async function inProject(repo: ProjectRepo, commit: string, signal: AbortSignal): Promise<boolean> {
  return (await git(["cat-file", "-e", `${commit}^{commit}`], { cwd: repo.top, signal, allowFail: true })).exitCode === 0;
}

/** Whether `branch` ends in a commit an earlier `rig merge` made, whose parent `tip` contains. */
async function replacesOwnCommit(scratch: Scratch, repo: ProjectRepo, branch: string, tip: string, signal: AbortSignal): Promise<boolean> {
  const old = await git(["rev-parse", "--verify", "-q", `refs/heads/${branch}`], { cwd: repo.top, signal, allowFail: true });
  if (old.exitCode !== 0) return false;
  const oldTip = old.stdout.trim();
  const subject = (await scratch.run(["log", "-1", "--format=%s", oldTip], { signal })).stdout;
  if (!subject.startsWith("rig: ")) return false;
  const parentKept = await scratch.run(["merge-base", "--is-ancestor", `${oldTip}^`, tip], { signal, allowFail: true });
  return parentKept.exitCode === 0;
}
