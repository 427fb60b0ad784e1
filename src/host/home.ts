import { homedir } from "node:os";
import { join, resolve } from "node:path";

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

/** Whether `child` is `parent` or inside it (both absolute). */
const within = (parent: string, child: string): boolean => child === parent || child.startsWith(parent.endsWith("/") ? parent : `${parent}/`);

/** The real path of `path`'s nearest existing ancestor, with the rest appended (RIGKIT_HOME may not exist yet). */
function realish(path: string): string {
  const { existsSync, realpathSync } = require("node:fs") as typeof import("node:fs");
  const { basename, dirname } = require("node:path") as typeof import("node:path");
  let head = resolve(path);
  const rest: string[] = [];
  while (!existsSync(head) && dirname(head) !== head) {
    rest.unshift(basename(head));
    head = dirname(head);
  }
  try {
    return join(realpathSync(head), ...rest);
  } catch {
    return resolve(path);
  }
}

/**
 * Where a project's local workspaces (and their overlay layers) live: outside the project
 * tree, so nothing that searches parent directories from a workspace (git, Node's module
 * resolution, tsc, pytest) reaches the project (README "Workspaces are independent").
 * `$RIGKIT_HOME/workspaces/<project id>`; when RIGKIT_HOME lies inside the project, the
 * default `~/.rigkit` instead. `inside` is set when even that is inside the project (a
 * project that is the home directory): the local provider then refuses to create.
 */
export function localDirsFor(projectId: string, projectDir: string): { workspaces: string; overlay: string; inside: boolean } {
  const project = realish(projectDir);
  let home = realish(rigkitHome());
  if (within(project, home)) home = realish(join(homedir(), ".rigkit"));
  return { workspaces: join(home, "workspaces", projectId), overlay: join(home, "overlay", projectId), inside: within(project, home) };
}
