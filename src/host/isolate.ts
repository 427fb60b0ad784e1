/**
 * No path back into the base (README "Workspaces are independent"): a command rig runs in
 * a local workspace gets a private mount namespace in which
 *   - every path the workspace stands in for (its base, and for a fork the source
 *     workspace) shows the workspace's own files, so a virtualenv script or an editable
 *     install naming the base by its absolute path reads and writes the workspace;
 *   - the project directory is read-only, so nothing reaches the project, its repository
 *     or its other prepared directories;
 *   - this project's workspaces directory is an empty tmpfs holding only this workspace,
 *     so no other workspace is reachable either.
 * Nothing of this is visible outside the command: the host's mounts are untouched.
 *
 * How: as root, rig itself calls unshare(CLONE_NEWNS) and mount(2) through bun:ffi on its
 * own thread, spawns the command (which inherits the namespace) and returns to its own
 * namespace with setns(2): no extra process, about a millisecond (bench "exec isolated").
 * Otherwise `bwrap` (bubblewrap, unprivileged user namespaces) does the same as a prefix
 * of the command. Where neither is possible, the local provider checks at create time
 * that no file in the workspace names its base (src/providers/local/embedded.ts).
 */
import { RigError } from "../errors.ts";

// node:fs only when a workspace command runs (it costs a few ms to load; see quickexec.ts).
const fs = () => require("node:fs") as typeof import("node:fs");

/** What a local workspace's commands see (recorded with the workspace when it is made). */
export interface IsolationPlan {
  /** The workspace directory. */
  dir: string;
  /** The directory holding this project's workspaces: only `dir` is visible in it. */
  root: string;
  /** The project directory: read-only inside. */
  project: string;
  /** Paths that show `dir` inside: the base, and for a fork its source's directory and aliases. */
  aliases: string[];
  /**
   * False when the workspace was made where no isolation was possible and its files were
   * checked not to name the base: it may run without a namespace. True otherwise.
   */
  required: boolean;
}

export type Mechanism = "namespace" | "bwrap" | "none";

let chosen: Mechanism | undefined;

/**
 * How this machine would isolate, without trying: `namespace` as root on Linux, else
 * `bwrap` when on PATH, else `none` (spawnIsolated falls back from one to the next).
 * `RIGKIT_LOCAL_ISOLATION=never|namespace|bwrap` forces a choice.
 */
export function mechanism(): Mechanism {
  if (chosen) return chosen;
  const forced = process.env.RIGKIT_LOCAL_ISOLATION;
  if (forced === "never") return (chosen = "none");
  if (forced === "bwrap" || forced === "namespace") return (chosen = forced);
  if (process.platform !== "linux") return (chosen = "none");
  if (process.getuid?.() === 0) return (chosen = "namespace");
  return (chosen = Bun.which("bwrap") ? "bwrap" : "none");
}

/**
 * Whether commands can be isolated here, tried for real (at `rig create`): a root without
 * CAP_SYS_ADMIN (in a container) cannot make namespaces, and bubblewrap needs
 * unprivileged user namespaces.
 */
export function canIsolate(): boolean {
  if (probed !== undefined) return probed;
  const how = mechanism();
  if (how === "namespace" && canUnshare()) return (probed = true);
  if (how === "none" || process.env.RIGKIT_LOCAL_ISOLATION === "namespace") return (probed = false);
  const bwrap = Bun.which("bwrap");
  return (probed = bwrap !== null && Bun.spawnSync([bwrap, "--dev-bind", "/", "/", "true"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" }).exitCode === 0);
}

let probed: boolean | undefined;

/** Whether this thread may make a mount namespace (in and out, about a millisecond). */
function canUnshare(): boolean {
  try {
    const c = loadLibc();
    const { closeSync, openSync } = fs();
    const cwd = process.cwd();
    const home = openSync("/proc/thread-self/ns/mnt", "r");
    try {
      if (c.unshare(CLONE_NEWNS) !== 0) return false;
      leave(c, home, "a probe");
      process.chdir(cwd);
      return true;
    } finally {
      closeSync(home);
    }
  } catch {
    return false;
  }
}

/** GIT_CEILING_DIRECTORIES with the workspaces directory first: git never walks above a workspace. */
export function ceilingEnv(plan: Pick<IsolationPlan, "root">, env: Record<string, string | undefined> = process.env): string {
  const current = env.GIT_CEILING_DIRECTORIES;
  return current ? `${plan.root}:${current}` : plan.root;
}

const CLONE_FS = 0x200;
const CLONE_NEWNS = 0x20000;
const MS_RDONLY = 1;
const MS_REMOUNT = 32;
const MS_BIND = 4096;
const MS_REC = 16384;
const MS_PRIVATE = 1 << 18;

interface Libc {
  unshare(flags: number): number;
  mount(source: Buffer | null, target: Buffer, type: Buffer | null, flags: number, data: Buffer | null): number;
  setns(fd: number, type: number): number;
  errno(): number;
}

let libc: Libc | undefined;

/** libc's unshare, mount and setns (loaded only when a workspace command needs them: ~1 ms). */
function loadLibc(): Libc {
  if (libc) return libc;
  const { dlopen, FFIType, read } = require("bun:ffi") as typeof import("bun:ffi");
  const symbols = {
    unshare: { args: [FFIType.i32], returns: FFIType.i32 },
    mount: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
    setns: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  } as const;
  let lib: ReturnType<typeof dlopen<typeof symbols>> | undefined;
  for (const name of ["libc.so.6", "libc.so"]) {
    try {
      lib = dlopen(name, symbols);
      break;
    } catch {
      // try the next name (musl)
    }
  }
  if (!lib) throw new RigError("PROVIDER_FAILED", "local: cannot load libc to isolate the workspace");
  const s = lib.symbols;
  libc = {
    unshare: (flags) => s.unshare(flags),
    mount: (source, target, type, flags, data) => s.mount(source, target, type, flags, data),
    setns: (fd, type) => s.setns(fd, type),
    errno: () => read.i32(s.__errno_location() as number, 0),
  };
  return libc;
}

const cstr = (s: string) => Buffer.from(`${s}\0`);

/**
 * Back to rig's own namespace. setns refuses while another thread shares this one's
 * filesystem context: one the runtime started during the spawn (a memory scavenger, a JIT
 * or GC helper, none of which opens files by path); this thread then takes a context of
 * its own and goes back.
 */
function leave(c: Libc, home: number, what: string): void {
  if (c.setns(home, CLONE_NEWNS) === 0 || (c.unshare(CLONE_FS) === 0 && c.setns(home, CLONE_NEWNS) === 0)) return;
  // rig must not go on working inside a workspace's view of the machine.
  process.stderr.write(`rig: cannot leave the namespace of ${what} (errno ${c.errno()})\n`);
  process.exit(1);
}

/** Paths `dir` stands in for that exist (a base deleted since is nothing to hide). */
const presentAliases = (plan: IsolationPlan) =>
  plan.aliases.map((alias) => alias.replace(/\/+$/, "")).filter((alias) => alias !== plan.dir && fs().existsSync(alias));

/**
 * Runs `spawn` (which must start the child synchronously, as Bun.spawn does) inside the
 * workspace's namespace and comes back to rig's own. Only this thread moves; rig's other
 * threads never leave its namespace.
 */
const NOT_PERMITTED = Symbol("unshare not permitted");

function inNamespace<T>(plan: IsolationPlan, spawn: () => T): T | typeof NOT_PERMITTED {
  const c = loadLibc();
  const { closeSync, mkdirSync, openSync } = fs();
  const cwd = process.cwd();
  const home = openSync("/proc/thread-self/ns/mnt", "r");
  const fail = (what: string): never => {
    throw new RigError("PROVIDER_FAILED", `local: cannot isolate ${plan.dir}: ${what} failed (errno ${c.errno()})`, {
      detail: ["Run rig as root, install bubblewrap (bwrap), or set RIGKIT_LOCAL_ISOLATION=never and recreate the workspace."],
    });
  };
  const mount = (source: Buffer | null, target: string, type: string | null, flags: number, data?: string) =>
    c.mount(source, cstr(target), type ? cstr(type) : null, flags, data ? cstr(data) : null) === 0 || fail(`mount ${target}`);
  const aliases = presentAliases(plan);
  let self: number | undefined;
  let entered = false;
  try {
    if (c.unshare(CLONE_NEWNS) !== 0) return NOT_PERMITTED;
    entered = true;
    mount(cstr("none"), "/", null, MS_REC | MS_PRIVATE);
    // The workspace, still reachable once its parent is covered (opened in this namespace:
    // a bind's source must be a mount of the namespace it is made in).
    self = openSync(plan.dir, "r");
    const selfPath = cstr(`/proc/self/fd/${self}`);
    mount(cstr(plan.project), plan.project, null, MS_BIND | MS_REC);
    mount(null, plan.project, null, MS_REMOUNT | MS_BIND | MS_RDONLY);
    mount(cstr("rigkit"), plan.root, "tmpfs", 0, "mode=0755");
    mkdirSync(plan.dir, { mode: 0o755 });
    mount(selfPath, plan.dir, null, MS_BIND | MS_REC);
    for (const alias of aliases) {
      // A fork's source workspace sits in the covered directory: a mount point is made for it.
      if (alias.startsWith(`${plan.root}/`)) mkdirSync(alias, { recursive: true, mode: 0o755 });
      mount(selfPath, alias, null, MS_BIND | MS_REC);
    }
    return spawn();
  } finally {
    if (self !== undefined) closeSync(self);
    if (entered) leave(c, home, plan.dir);
    closeSync(home);
    if (entered) process.chdir(cwd); // setns moved this thread to the namespace's root
  }
}

/** The bwrap prefix giving the same view (unprivileged, through a user namespace). */
function bwrapArgv(plan: IsolationPlan): string[] {
  return [
    "bwrap",
    "--dev-bind", "/", "/",
    "--ro-bind", plan.project, plan.project,
    "--tmpfs", plan.root,
    "--bind", plan.dir, plan.dir,
    ...presentAliases(plan).flatMap((alias) => ["--bind", plan.dir, alias]),
    "--chdir", plan.dir,
    "--",
  ];
}

export interface SpawnRequest {
  argv: string[];
  env: Record<string, string | undefined>;
}

/**
 * Starts a command for a workspace with `plan` (see the top of this file): `spawn` gets
 * the argv and environment to use and must start the child synchronously. Throws when
 * the workspace needs isolation and this machine cannot give it.
 */
export function spawnIsolated<T>(plan: IsolationPlan, request: SpawnRequest, spawn: (request: SpawnRequest) => T): T {
  const env = { ...request.env, GIT_CEILING_DIRECTORIES: ceilingEnv(plan, request.env) };
  let how = mechanism();
  if (how === "namespace") {
    const child = inNamespace(plan, () => spawn({ argv: request.argv, env }));
    if (child !== NOT_PERMITTED) return child;
    how = process.env.RIGKIT_LOCAL_ISOLATION !== "namespace" && Bun.which("bwrap") ? "bwrap" : "none"; // root without CAP_SYS_ADMIN
  }
  if (how === "bwrap") return spawn({ argv: [...bwrapArgv(plan), ...request.argv], env });
  if (plan.required) {
    throw new RigError("PROVIDER_FAILED", `local: cannot isolate ${plan.dir} on this machine (needs root or bubblewrap); it was made where rig could`, {
      detail: ["Run rig as root or install bubblewrap (bwrap); or recreate the workspace here (rig rm, rig create)."],
    });
  }
  return spawn({ argv: request.argv, env });
}
