/**
 * git plumbing for `rig diff` and `rig merge` (README "Changes come back through git").
 *
 * Every command that looks at a workspace's files runs in a scratch repository of rig's
 * own (a temp directory): the workspace's files are its work tree, and its object store
 * borrows (read-only, through `objects/info/alternates`) the workspace's and the project's
 * objects. So the workspace's own `.git/config` and hooks — which code in the workspace
 * could have written (`core.fsmonitor`, filter drivers) — are never read, and nothing is
 * written into the workspace or the project until `merge` fetches its branch.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RigError } from "../../errors.ts";

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  signal?: AbortSignal;
  /** Resolve with a failing exit code instead of throwing. */
  allowFail?: boolean;
}

/** The environment without variables that would point git at another repository. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|NAMESPACE|CEILING_DIRECTORIES)$/.test(key)) env[key] = value;
  }
  return { ...env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", ...extra };
}

export async function git(args: string[], options: GitOptions = {}): Promise<GitResult> {
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(["git", ...args], {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdin: options.input === undefined ? "ignore" : new TextEncoder().encode(options.input),
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch (error) {
    throw new RigError("PROVIDER_UNAVAILABLE", "git is not installed: rig diff and rig merge need it", { cause: error });
  }
  const kill = () => proc.kill("SIGKILL");
  options.signal?.addEventListener("abort", kill, { once: true });
  try {
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(proc.stdout as ReadableStream).text(),
      new Response(proc.stderr as ReadableStream).text(),
      proc.exited,
    ]);
    if (options.signal?.aborted) throw new RigError("INTERRUPTED", "Interrupted");
    if (exitCode !== 0 && !options.allowFail) {
      throw new RigError("PROVIDER_FAILED", `git ${args[0] === "-c" ? args[2] : args[0]} failed`, { detail: stderr.trim().split("\n").slice(-5) });
    }
    return { exitCode, stdout, stderr };
  } finally {
    options.signal?.removeEventListener("abort", kill);
  }
}

/** A scratch repository: `run` works in it with a given work tree and index. */
export class Scratch {
  readonly root: string;
  readonly gitDir: string;
  private alternates: string[] = [];

  private constructor(root: string) {
    this.root = root;
    this.gitDir = join(root, "git");
  }

  static async create(signal?: AbortSignal): Promise<Scratch> {
    const scratch = new Scratch(mkdtempSync(join(tmpdir(), "rigkit-changes-")));
    // Nothing from the user's or the system's git config: the result must not depend on them.
    await git(["init", "--quiet", "--bare", scratch.gitDir], { signal, env: ISOLATED });
    return scratch;
  }

  /** A fresh empty directory inside the scratch space (for exported files). */
  dir(name: string): string {
    const dir = join(this.root, name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Lets the scratch repository read another repository's objects (never write them). */
  borrow(objectsDir: string): void {
    this.alternates.push(resolve(objectsDir));
    writeFileSync(join(this.gitDir, "objects", "info", "alternates"), `${this.alternates.join("\n")}\n`);
  }

  run(args: string[], options: GitOptions & { workTree?: string; index?: string } = {}): Promise<GitResult> {
    const env: Record<string, string> = { ...ISOLATED, GIT_DIR: this.gitDir, ...options.env };
    if (options.workTree) env.GIT_WORK_TREE = options.workTree;
    if (options.index) env.GIT_INDEX_FILE = join(this.root, options.index);
    // core.bare=false so a work tree may be given; no hooks, no fsmonitor, no filters: ours alone.
    return git(["-c", "core.bare=false", "-c", "core.hooksPath=/dev/null", "-c", "core.autocrlf=false", "-c", "core.fsmonitor=false", ...args], {
      ...options,
      cwd: options.workTree ?? this.root,
      env,
    });
  }

  /** The tree of every file under `workTree` (ignored files left out), on top of `start` (a commit) or empty. */
  async treeOf(workTree: string, start: string | null, index: string, signal?: AbortSignal): Promise<string> {
    await this.run(start ? ["read-tree", start] : ["read-tree", "--empty"], { workTree, index, signal });
    await this.run(["add", "-A", "."], { workTree, index, signal });
    return (await this.run(["write-tree"], { workTree, index, signal })).stdout.trim();
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** No system or global config, a fixed identity: scratch commits come out the same everywhere. */
const ISOLATED: Record<string, string> = { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
