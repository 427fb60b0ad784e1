import { homedir } from "node:os";
import { join } from "node:path";

/** Per-user rigkit data (host storage, ssh sockets, global fragments): $RIGKIT_HOME or ~/.rigkit. */
export const rigkitHome = (): string => process.env.RIGKIT_HOME || join(homedir(), ".rigkit");

/** Providers' per-user stores (`hostStorage`), one JSON file per provider id: $RIGKIT_HOST_STORAGE_DIR or $RIGKIT_HOME/host. */
export const hostStorageDir = (): string => process.env.RIGKIT_HOST_STORAGE_DIR || join(rigkitHome(), "host");
