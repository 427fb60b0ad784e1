/**
 * Overlay workspaces: a local workspace from a prepared base in constant time, where the
 * filesystem has no reflinks (ext4). The base is the read-only lower layer of an overlayfs
 * mount at the workspace directory; what the workspace writes goes to its own upper layer
 * under `$RIGKIT_HOME/overlay/<project id>/<name>/` (`upper/`, `work/`, and `lower`: the
 * base's path), outside the project tree like the workspace itself. Workspaces made before
 * that keep theirs in `.rigkit/overlay/<name>/`: every function takes the layers root.
 *
 * Mounting needs root (or a kernel/user namespace that allows it); where `mount` fails
 * the caller falls back to a copy. A mount does not survive a reboot: `overlayState`
 * tells a lost mount (`unmounted`) and `remount` mounts it again from the recorded layers.
 *
 * The kernel forbids changing a lower layer under a mounted overlay, so a base that
 * overlay workspaces sit on is never changed in place: `retireBase` moves it aside to
 * `.rigkit/retired-base/` (and repoints those workspaces) before `prepareDir` rebuilds
 * it; a retired base is deleted with its last workspace.
 */
import { type Dirent, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { markerOf } from "./owner.ts";

export type OverlayState = "mounted" | "unmounted" | "none";

/**
 * Below this many files and directories a copy is fast enough and an overlay is not worth
 * being a mount (a mount outlives nothing: `rm -rf` of the workspace directory fails with
 * "busy" while it is mounted, and a reboot drops it). `RIGKIT_LOCAL_OVERLAY=always|never`
 * overrides the choice.
 */
export const OVERLAY_MIN_ENTRIES = 1000;

/** Whether a workspace from `base` should be an overlay (where the machine allows one). */
export function wantsOverlay(base: string): boolean {
  const mode = process.env.RIGKIT_LOCAL_OVERLAY ?? "auto";
  if (mode === "never") return false;
  if (mode === "always") return true;
  return hasAtLeast(base, OVERLAY_MIN_ENTRIES);
}

/** Counts entries below `dir` (symlinks not followed), stopping as soon as there are `n`. */
function hasAtLeast(dir: string, n: number): boolean {
  let count = 0;
  const pending = [dir];
  while (pending.length > 0) {
    let entries: Dirent[];
    try {
      entries = readdirSync(pending.pop() as string, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (++count >= n) return true;
      if (entry.isDirectory()) pending.push(join(entry.parentPath, entry.name));
    }
  }
  return false;
}

const retiredRoot = (stateDir: string) => join(stateDir, "retired-base");
const layersOf = (layersRoot: string, dir: string) => join(layersRoot, basename(dir));

/** Paths overlayfs mount options cannot carry safely (separators, escapes, whitespace). */
const UNSAFE = /[,:\\\s]/;

const run = (argv: string[]): boolean => Bun.spawnSync(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" }).exitCode === 0;

/** Mounts from /proc/self/mountinfo: mount point (octal escapes decoded) and filesystem type. */
function mounts(): { point: string; type: string }[] {
  let text = "";
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return [];
  }
  const decode = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  return text.split("\n").flatMap((line) => {
    if (!line) return [];
    const fields = line.split(" ");
    // "… mount-point options [optional fields…] - type source super-options"
    return [{ point: decode(fields[4] ?? ""), type: fields[fields.indexOf("-") + 1] ?? "" }];
  });
}

/** A path as /proc lists it: real (the project may sit behind a symlink), or as given when it is gone. */
function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Whether `dir` is a mount point. */
const isMounted = (dir: string): boolean => mounts().some((m) => m.point === real(dir));

/** Filesystems that never make copy-on-write clones: no need to try one there. */
const NO_REFLINK = new Set(["ext2", "ext3", "ext4", "tmpfs", "ramfs", "overlay", "vfat", "exfat", "msdos", "ntfs", "ntfs3", "nfs", "nfs4", "cifs", "smb3", "9p", "squashfs"]);

/** The type of the filesystem `path` (a real path) is on: the innermost (last) mount holding it. */
export function filesystemOf(path: string, list: { point: string; type: string }[]): string | undefined {
  let best: { point: string; type: string } | undefined;
  for (const m of list) {
    const under = m.point === "/" || path === m.point || path.startsWith(`${m.point}/`);
    if (under && m.point.length >= (best?.point.length ?? -1)) best = m;
  }
  return best?.type;
}

/** Whether `dir` (an existing directory) may be on a filesystem with reflinks; true when unsure. */
export function mayReflink(dir: string): boolean {
  if (process.platform !== "linux") return true;
  const type = filesystemOf(real(dir), mounts());
  return type === undefined || !NO_REFLINK.has(type);
}

function mount(lower: string, dir: string, layers: string): boolean {
  const upper = join(layers, "upper");
  const work = join(layers, "work");
  mkdirSync(upper, { recursive: true, mode: 0o755 });
  mkdirSync(work, { recursive: true, mode: 0o700 });
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return run(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${upper},workdir=${work}`, dir]);
}

/**
 * Mounts `lower` (a base under `.rigkit/base/`) read-only under a fresh workspace `dir`.
 * False (and nothing left behind) where overlays are unavailable: not Linux, not
 * permitted, or a path the mount options cannot express.
 */
export function mountOverlay(layersRoot: string, lower: string, dir: string): boolean {
  const layers = layersOf(layersRoot, dir);
  if (process.platform !== "linux" || [lower, dir, layers].some((p) => UNSAFE.test(p))) return false;
  if (existsSync(layers)) {
    // Layers of an earlier workspace of this name whose directory is gone (a crash
    // mid-create): rig's own files, unmounted, so safe to replace.
    if (existsSync(dir) || isMounted(dir)) return false;
    rmSync(layers, { recursive: true, force: true });
  }
  mkdirSync(layers, { recursive: true, mode: 0o700 });
  writeFileSync(join(layers, "lower"), lower, { mode: 0o600 });
  if (mount(lower, dir, layers)) return true;
  rmSync(layers, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  return false;
}

/** Whether `dir` is an overlay workspace, and whether its mount is there (it is lost on reboot). */
export function overlayState(layersRoot: string, dir: string): OverlayState {
  if (!existsSync(join(layersOf(layersRoot, dir), "lower"))) return "none";
  return isMounted(dir) ? "mounted" : "unmounted";
}

/** Mounts an overlay workspace again after its mount was lost; true when it is mounted now. */
export function remount(layersRoot: string, dir: string): boolean {
  const state = overlayState(layersRoot, dir);
  if (state !== "unmounted") return state === "mounted";
  const layers = layersOf(layersRoot, dir);
  const lower = readFileSync(join(layers, "lower"), "utf8");
  return existsSync(lower) && mount(lower, dir, layers);
}

/**
 * Before a workspace directory is deleted: unmounts it (lazily if busy, so a shell left
 * in it cannot block `rm`), removes its layers, and deletes a retired base nothing uses now.
 */
export function unmountOverlay(layersRoot: string, stateDir: string, dir: string): void {
  const layers = layersOf(layersRoot, dir);
  const lowerFile = join(layers, "lower");
  if (!existsSync(lowerFile)) return;
  if (isMounted(dir) && !run(["umount", dir])) run(["umount", "-l", dir]);
  const lower = readFileSync(lowerFile, "utf8");
  rmSync(layers, { recursive: true, force: true });
  if (lower.startsWith(`${retiredRoot(stateDir)}/`) && users(layerRoots(stateDir, layersRoot), lower).length === 0) {
    rmSync(lower, { recursive: true, force: true });
    rmSync(markerOf(lower), { force: true });
  }
}

/** The project's layer roots: `.rigkit/overlay` (older workspaces) and the current one. */
const layerRoots = (stateDir: string, current: string) => [...new Set([join(stateDir, "overlay"), current])];

/** How many overlay workspaces sit on `base` (a base they use is never deleted or changed in place). */
export const overlayUsers = (stateDir: string, layersRoot: string, base: string): number => users(layerRoots(stateDir, layersRoot), base).length;

/** Where retired bases go (`retireBase`). */
export const retiredBaseRoot = retiredRoot;

/** Layer directories of the overlay workspaces sitting on `lower`. */
function users(roots: string[], lower: string): string[] {
  return roots
    .filter((root) => existsSync(root))
    .flatMap((root) => readdirSync(root).map((name) => join(root, name)))
    .filter((layers) => {
      try {
        return readFileSync(join(layers, "lower"), "utf8") === lower;
      } catch {
        return false;
      }
    });
}

/**
 * Before a base is rebuilt or handed out for writing: if overlay workspaces sit on it,
 * moves it to `.rigkit/retired-base/` and points them there (their mounts keep working;
 * a later remount uses the new path). Returns the retired path, or null when unused.
 */
export function retireBase(stateDir: string, layersRoot: string, base: string): string | null {
  const sitting = users(layerRoots(stateDir, layersRoot), base);
  if (sitting.length === 0 || !existsSync(base)) return null;
  const retired = join(retiredRoot(stateDir), `${basename(base)}-${Date.now().toString(36)}${process.pid.toString(36)}`);
  mkdirSync(retiredRoot(stateDir), { recursive: true, mode: 0o700 });
  renameSync(base, retired);
  for (const layers of sitting) writeFileSync(join(layers, "lower"), retired, { mode: 0o600 });
  return retired;
}
