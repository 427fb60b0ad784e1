import { homedir } from "node:os";
import { join } from "node:path";

/** Per-user rigkit data (host storage, ssh sockets, global fragments): $RIGKIT_HOME or ~/.rigkit. */
export const rigkitHome = (): string => process.env.RIGKIT_HOME || join(homedir(), ".rigkit");

/** Providers' per-user stores (`hostStorage`), one JSON file per provider id: $RIGKIT_HOST_STORAGE_DIR or $RIGKIT_HOME/host. */
export const hostStorageDir = (): string => process.env.RIGKIT_HOST_STORAGE_DIR || join(rigkitHome(), "host");

/**
 * Where the ssh provider keeps its ControlMaster sockets: $RIGKIT_HOME/ssh, or a short
 * path under /tmp when that would make socket paths too long (Unix sockets: ~100 bytes).
 */
export function sshControlDir(): string {
  const preferred = join(rigkitHome(), "ssh");
  return preferred.length + 42 < 100 ? preferred : `/tmp/rigkit-ssh-${process.getuid?.() ?? "u"}`;
}
