/**
 * `copyIn(source, destination)`: a host file or directory into an instance through the
 * files API (`POST /1.0/instances/{name}/files`), keeping modes; symlinks are copied as
 * symlinks, never followed.
 */
import { lstatSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { LxdClient } from "./api.ts";
import { instancePath } from "./owner.ts";

export async function copyIn(client: LxdClient, instance: string, source: string, destination: string, signal?: AbortSignal): Promise<void> {
  const push = (path: string, type: "file" | "directory" | "symlink", mode: number, body?: Uint8Array | string) =>
    client.request("POST", `${instancePath(instance)}/files?path=${encodeURIComponent(path)}`, body ?? "", signal, {
      "content-type": "application/octet-stream",
      "X-LXD-type": type,
      "X-LXD-mode": (mode & 0o7777).toString(8).padStart(4, "0"),
      "X-LXD-uid": "0",
      "X-LXD-gid": "0",
      "X-LXD-write": "overwrite",
    });
  const walk = async (from: string, to: string): Promise<void> => {
    const stat = lstatSync(from);
    if (stat.isSymbolicLink()) await push(to, "symlink", 0o777, readlinkSync(from));
    else if (stat.isDirectory()) {
      await push(to, "directory", stat.mode);
      for (const entry of readdirSync(from).sort()) await walk(join(from, entry), `${to}/${entry}`);
    } else if (stat.isFile()) await push(to, "file", stat.mode, new Uint8Array(readFileSync(from)));
  };
  await walk(source, destination.replace(/\/+$/, "") || "/");
}
