import { homedir } from "node:os";
import { join } from "node:path";

/** Per-user rigkit data (host storage, ssh sockets, global fragments): $RIGKIT_HOME or ~/.rigkit. */
export const rigkitHome = (): string => process.env.RIGKIT_HOME || join(homedir(), ".rigkit");
