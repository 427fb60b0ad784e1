/**
 * `.rigkit/serve.json`: where this project's `rig serve` listens, so `rig ui` opens the
 * running server instead of starting a second one. Written like the token file (never
 * through a symlink), removed on stop only if it still names this process.
 */
import { closeSync, constants, lstatSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface ServeAddress {
  url: string;
  pid: number;
}

export function writeAddressFile(stateDir: string, url: string): string {
  const path = join(stateDir, "serve.json");
  if (lstatSync(path, { throwIfNoEntry: false })) unlinkSync(path);
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ url, pid: process.pid } satisfies ServeAddress)}\n`);
  } finally {
    closeSync(fd);
  }
  return path;
}

export function readAddressFile(stateDir: string): ServeAddress | null {
  try {
    const path = join(stateDir, "serve.json");
    if (!lstatSync(path).isFile()) return null;
    return JSON.parse(readFileSync(path, "utf8")) as ServeAddress;
  } catch {
    return null;
  }
}

export function removeAddressFile(path: string): void {
  try {
    const held = JSON.parse(readFileSync(path, "utf8")) as ServeAddress;
    if (held.pid === process.pid && lstatSync(path).isFile()) unlinkSync(path);
  } catch {
    // already gone, or another server's now
  }
}
