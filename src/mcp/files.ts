/**
 * `read_file`, `write_file` and `list_files` of `rig mcp`, confined to one workspace
 * (README "rig mcp"): a path is relative to the workspace's directory (an absolute one only
 * when it lies inside a directory rig knows), never has `..`, and no symlink on the way is
 * followed — so neither `../../etc/passwd` nor a link planted in the workspace reaches
 * anything outside it.
 *
 * A local workspace is read here, with lstat on every component and O_NOFOLLOW on the
 * file. Any other (a container, an ssh host) is read by a small sh script run inside the
 * workspace through the engine's exec, which does the same checks with `[ -L ]` there.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, readdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import * as engine from "../engine/api.ts";
import type { ProjectOptions } from "../engine/project/locate.ts";
import { openState } from "../engine/project/locate.ts";
import { RigError } from "../errors.ts";
import type { WorkspaceResource } from "../sdk/provider.ts";

/** Largest file read_file returns, and largest write through a container or ssh host. */
export const MAX_READ = 256 * 1024;
export const MAX_REMOTE_WRITE = 4 * 1024 * 1024;

export interface Place {
  /** The workspace's directory on this machine, or null for one reached through exec. */
  local: string | null;
  /** Its directory as recorded (for absolute paths), when known. */
  dir: string | null;
}

/** Where a workspace's files are, from what its provider recorded (no config loaded). */
export async function placeOf(options: ProjectOptions, workspace: string, workflow?: string): Promise<Place> {
  const { store } = await openState(options, { readOnly: true });
  if (!store) throw new RigError("UNKNOWN_WORKSPACE", `Unknown workspace ${workspace}`);
  try {
    const rows = store.workspacesNamed(workspace).filter((r) => workflow === undefined || r.workflow === workflow);
    const row = rows[0];
    if (!row) throw new RigError("UNKNOWN_WORKSPACE", `Unknown workspace ${workspace}`);
    if (rows.length > 1) throw new RigError("USAGE", `Workspace ${workspace} exists in several workflows; pass workflow`);
    const resources = store.resources(row.workflow, row.name).map((r) => JSON.parse(r.data) as WorkspaceResource);
    const localDir = resources.find((r) => r.access?.cwd && !r.access.argv)?.access?.cwd ?? null;
    const remoteDir = resources.find((r) => typeof r.dir === "string")?.dir;
    return { local: localDir, dir: localDir ?? (typeof remoteDir === "string" ? remoteDir : null) };
  } finally {
    store.close();
  }
}

/** The path's components inside the workspace; refuses `..`, NUL, and absolute paths outside it. */
export function confine(path: string, place: Place): string[] {
  let rel = path;
  if (path.startsWith("/")) {
    const root = place.dir?.replace(/\/+$/, "");
    if (!root || !(path === root || path.startsWith(`${root}/`))) {
      throw new RigError("INVALID_INPUT", `${path} is outside the workspace: give a path relative to the workspace's directory`);
    }
    rel = path.slice(root.length);
  }
  const parts = rel.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..") || rel.includes("\0")) throw new RigError("INVALID_INPUT", `${path}: ".." is not allowed (paths stay inside the workspace)`);
  return parts;
}

const refusedLink = (path: string) => new RigError("INVALID_INPUT", `${path} goes through a symlink; rig mcp does not follow symlinks (they could lead out of the workspace)`);

/** Each existing component lstat'ed: none may be a symlink. Returns the full path. */
function walkLocal(root: string, parts: string[], shown: string): string {
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    const stat = lstatSync(current, { throwIfNoEntry: false });
    if (!stat) break;
    if (stat.isSymbolicLink()) throw refusedLink(shown);
  }
  return join(root, ...parts);
}

// --- remote: a script run in the workspace ------------------------------------------------

/** sh: refuses (exit 3) when a component of "$1" that exists is a symlink. */
const CHECK = 'set -f; p="$1"; c=.; IFS=/; for x in $p; do [ -z "$x" ] && continue; c="$c/$x"; if [ -L "$c" ]; then echo "symlink: $c" >&2; exit 3; fi; done; unset IFS';

async function remote(options: ProjectOptions, workspace: string, script: string, args: string[], signal: AbortSignal) {
  const result = await engine.exec(options, { workspace, command: ["sh", "-c", `${CHECK}\n${script}`, "rig-files", ...args] }, { signal, prompter: null });
  return result;
}

function remoteFailure(result: { exitCode: number; stderr: string }, path: string): never {
  if (result.exitCode === 3) throw refusedLink(path);
  if (result.exitCode === 4) throw new RigError("INVALID_INPUT", `${path} does not exist or is not a file`);
  if (result.exitCode === 5) throw new RigError("INVALID_INPUT", `${path} is larger than ${MAX_READ} bytes; read it in parts with offset and limit`);
  throw new RigError("EXEC_FAILED", `Cannot access ${path} in the workspace`, { detail: result.stderr.trim().split("\n").slice(-3) });
}

// --- the three tools ------------------------------------------------------------------------

export interface ReadResult {
  path: string;
  size: number;
  offset: number;
  /** UTF-8 text, or base64 when the bytes are not text. */
  content: string;
  encoding: "utf8" | "base64";
  truncated: boolean;
}

const asText = (bytes: Buffer): { content: string; encoding: "utf8" | "base64" } => {
  const text = bytes.toString("utf8");
  return bytes.includes(0) || text.includes("\uFFFD") ? { content: bytes.toString("base64"), encoding: "base64" } : { content: text, encoding: "utf8" };
};

export async function readFile(options: ProjectOptions, workspace: string, path: string, range: { offset?: number; limit?: number }, signal: AbortSignal): Promise<ReadResult> {
  const place = await placeOf(options, workspace);
  const parts = confine(path, place);
  if (parts.length === 0) throw new RigError("INVALID_INPUT", "Name a file, not the workspace's directory");
  const offset = range.offset ?? 0;
  const limit = Math.min(range.limit ?? MAX_READ, MAX_READ);
  if (place.local) {
    const full = walkLocal(place.local, parts, path);
    let fd: number;
    try {
      fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ELOOP") throw refusedLink(path);
      throw new RigError("INVALID_INPUT", `${path} does not exist in workspace ${workspace}`);
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new RigError("INVALID_INPUT", `${path} is not a file`);
      const length = Math.max(0, Math.min(limit, stat.size - offset));
      const buffer = Buffer.alloc(length);
      const read = length > 0 ? readSync(fd, buffer, 0, length, offset) : 0;
      return { path: parts.join("/"), size: stat.size, offset, ...asText(buffer.subarray(0, read)), truncated: offset + read < stat.size };
    } finally {
      closeSync(fd);
    }
  }
  const script = `[ -f "$1" ] && [ ! -L "$1" ] || exit 4; wc -c < "$1"; tail -c +$(($2 + 1)) "$1" | head -c "$3" | base64`;
  const result = await remote(options, workspace, script, [parts.join("/"), String(offset), String(limit)], signal);
  if (result.exitCode !== 0) remoteFailure(result, path);
  const [sizeLine = "0", ...rest] = result.stdout.split("\n");
  const bytes = Buffer.from(rest.join(""), "base64");
  const size = Number(sizeLine.trim());
  return { path: parts.join("/"), size, offset, ...asText(bytes), truncated: offset + bytes.length < size };
}

export async function writeFile(options: ProjectOptions, workspace: string, path: string, content: string, encoding: "utf8" | "base64", signal: AbortSignal): Promise<{ path: string; size: number }> {
  const place = await placeOf(options, workspace);
  const parts = confine(path, place);
  if (parts.length === 0) throw new RigError("INVALID_INPUT", "Name a file, not the workspace's directory");
  const bytes = Buffer.from(content, encoding);
  if (place.local) {
    const full = walkLocal(place.local, parts, path);
    // Missing parents are made one by one (each checked again), never through a link.
    let dir = place.local;
    for (const part of parts.slice(0, -1)) {
      dir = join(dir, part);
      const stat = lstatSync(dir, { throwIfNoEntry: false });
      if (stat?.isSymbolicLink()) throw refusedLink(path);
      if (!stat) mkdirSync(dir);
      else if (!stat.isDirectory()) throw new RigError("INVALID_INPUT", `${parts.slice(0, -1).join("/")} is not a directory`);
    }
    let fd: number;
    try {
      fd = openSync(full, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    } catch (error) {
      if ((error as { code?: string }).code === "ELOOP") throw refusedLink(path);
      throw error;
    }
    try {
      writeSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
    return { path: parts.join("/"), size: bytes.length };
  }
  if (bytes.length > MAX_REMOTE_WRITE) throw new RigError("INVALID_INPUT", `write_file takes at most ${MAX_REMOTE_WRITE} bytes in a container or on an ssh host`);
  // In pieces (an argument has at most 128 KiB): the first truncates, the others append.
  const b64 = bytes.toString("base64");
  const chunk = 96 * 1024;
  const pieces = b64.length === 0 ? [""] : Array.from({ length: Math.ceil(b64.length / chunk) }, (_, i) => b64.slice(i * chunk, (i + 1) * chunk));
  for (const [i, piece] of pieces.entries()) {
    const script = `d=$(dirname -- "$1"); [ -d "$d" ] || mkdir -p -- "$d"; [ ! -L "$1" ] || exit 3; printf %s "$2" | base64 -d ${i === 0 ? ">" : ">>"} "$1"`;
    const result = await remote(options, workspace, script, [parts.join("/"), piece], signal);
    if (result.exitCode !== 0) remoteFailure(result, path);
  }
  return { path: parts.join("/"), size: bytes.length };
}

export interface ListEntry {
  name: string;
  type: "file" | "dir" | "symlink" | "other";
  size: number | null;
}

export async function listFiles(options: ProjectOptions, workspace: string, path: string, signal: AbortSignal): Promise<{ path: string; entries: ListEntry[] }> {
  const place = await placeOf(options, workspace);
  const parts = confine(path, place);
  const shown = parts.join("/") || ".";
  if (place.local) {
    const full = walkLocal(place.local, parts, path);
    const stat = lstatSync(full, { throwIfNoEntry: false });
    if (!stat?.isDirectory()) throw new RigError("INVALID_INPUT", `${shown} is not a directory in workspace ${workspace}`);
    const entries = readdirSync(full, { withFileTypes: true }).map((d): ListEntry => {
      const type = d.isSymbolicLink() ? "symlink" : d.isDirectory() ? "dir" : d.isFile() ? "file" : "other";
      return { name: d.name, type, size: type === "file" ? (lstatSync(join(full, d.name), { throwIfNoEntry: false })?.size ?? null) : null };
    });
    return { path: shown, entries: entries.sort((a, b) => a.name.localeCompare(b.name)) };
  }
  const script = `set +f; [ -d "$1" ] && [ ! -L "$1" ] || exit 4; cd -- "$1" || exit 4; for f in * .*; do [ "$f" = . ] || [ "$f" = .. ] && continue; [ -e "$f" ] || [ -L "$f" ] || continue; if [ -L "$f" ]; then t=symlink; elif [ -d "$f" ]; then t=dir; elif [ -f "$f" ]; then t=file; else t=other; fi; s=; [ $t = file ] && s=$(wc -c < "$f"); printf '%s\\t%s\\t%s\\n' "$t" "$s" "$f"; done`;
  const result = await remote(options, workspace, script, [shown], signal);
  if (result.exitCode !== 0) remoteFailure(result, path);
  const entries = result.stdout
    .split("\n")
    .filter(Boolean)
    .map((line): ListEntry => {
      const [type = "other", size = "", ...name] = line.split("\t");
      return { name: name.join("\t"), type: type as ListEntry["type"], size: size.trim() === "" ? null : Number(size.trim()) };
    });
  return { path: shown, entries: entries.sort((a, b) => a.name.localeCompare(b.name)) };
}
