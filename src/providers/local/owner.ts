/**
 * Owner markers for the directories rig makes on this machine (docs/providers.md "Ownership").
 * A directory `<parent>/<name>` is rig's when `<parent>/.<name>.rigkit-owner` names this
 * project. The marker sits beside the directory, not in it, so a prepared directory stays
 * empty for `git clone` and a workspace's `git status` stays clean. Nothing here follows
 * a symlink: every path rig deletes is checked with `lstat`, and so is its parent chain.
 */
import { lstatSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { RigError } from "../../errors.ts";

export const MARKER_SUFFIX = ".rigkit-owner";

/** What a marker says: whose it is, and what for. */
export interface OwnerMarker {
  rigkit: 1;
  /** The project id (or `fragment:<hash>` for a shared `.global()` directory). */
  project: string;
  /** The project directory, so a project whose state file was lost still recognises it. */
  dir: string;
  workflow?: string;
  workspace?: string;
  base?: string;
}

/** Who may delete a directory: its project id, and its project directory. */
export interface Owner {
  project: string;
  dir: string;
}

export const markerOf = (path: string): string => join(dirname(path), `.${basename(path)}${MARKER_SUFFIX}`);

const lstat = (path: string) => lstatSync(path, { throwIfNoEntry: false });

/** Throws when any directory from `top` (exclusive) down to `path`'s parent is a symlink or not a directory. */
export function checkChain(top: string, path: string): void {
  const rel = relative(top, dirname(path));
  if (rel.startsWith("..")) throw new RigError("PROVIDER_FAILED", `local: refusing ${path}: not inside ${top}`);
  let current = top;
  for (const part of rel === "" ? [] : rel.split("/")) {
    current = join(current, part);
    const stat = lstat(current);
    if (stat && (stat.isSymbolicLink() || !stat.isDirectory())) {
      throw new RigError("PROVIDER_FAILED", `local: refusing to use ${current}: it is a symlink or not a directory`, {
        detail: ["rig never follows symlinks in the directories it manages; move it aside."],
      });
    }
  }
}

export function readMarker(path: string): OwnerMarker | null {
  const marker = markerOf(path);
  if (!lstat(marker)?.isFile()) return null;
  try {
    const parsed = JSON.parse(readFileSync(marker, "utf8")) as OwnerMarker;
    return parsed && typeof parsed.project === "string" ? parsed : null;
  } catch {
    return null;
  }
}

export const ownedBy = (marker: OwnerMarker | null, owner: Owner): boolean =>
  marker !== null && (marker.project === owner.project || (owner.dir !== "" && marker.dir === owner.dir));

export function writeMarker(path: string, marker: Omit<OwnerMarker, "rigkit">): void {
  writeFileSync(markerOf(path), `${JSON.stringify({ rigkit: 1, ...marker })}\n`, { mode: 0o644 });
}

/**
 * Whether `path` may be deleted: a real directory (not a symlink) whose marker names this
 * owner. `missing` when neither the directory nor a marker is there.
 */
export function ownership(path: string, owner: Owner): "owned" | "missing" | "foreign" {
  const stat = lstat(path);
  const marker = readMarker(path);
  if (!stat) return marker === null || ownedBy(marker, owner) ? (marker ? "owned" : "missing") : "foreign";
  if (stat.isSymbolicLink() || !stat.isDirectory()) return "foreign";
  return ownedBy(marker, owner) ? "owned" : "foreign";
}

/** Deletes a directory and its marker (the caller checked `ownership`). */
export function removeOwned(path: string): void {
  rmSync(path, { recursive: true, force: true });
  rmSync(markerOf(path), { force: true });
}
