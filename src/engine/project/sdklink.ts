/**
 * Editor and `tsc` support for configs outside this package: `.rigkit/sdk` links to the
 * running rigkit, and the rigkit/tsconfig.json `rig init` writes maps "rigkit" through it.
 * rig refreshes the link whenever it loads a config, so it follows upgrades and moves.
 */
import { mkdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";

/** The root of the rigkit package that is running. */
export const RIGKIT_ROOT = resolve(import.meta.dir, "..", "..", "..");

export function ensureSdkLink(stateDir: string): void {
  const link = join(stateDir, "sdk");
  let current: string | null = null;
  try {
    current = readlinkSync(link);
  } catch {
    // missing (or not a link): made below
  }
  if (current === RIGKIT_ROOT) return;
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    rmSync(link, { force: true, recursive: false });
    symlinkSync(RIGKIT_ROOT, link);
  } catch {
    // A read-only checkout or an odd filesystem: types are a convenience, never a failure.
  }
}
