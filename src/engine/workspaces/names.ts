/** Workspace names (README "Scripting"): safe as directory, container and host names. */
import { RigError } from "../../errors.ts";

export const WORKSPACE_NAME_RULE =
  "use letters, digits, '.', '_' and '-', do not start with '-', at most 63 characters, and not '.' or '..'";

const PATTERN = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,62}$/;

export const isWorkspaceName = (name: string): boolean => PATTERN.test(name) && name !== "." && name !== "..";

export function checkWorkspaceName(name: string): void {
  if (!isWorkspaceName(name)) {
    const shown = name.length > 80 ? `${name.slice(0, 77)}...` : name;
    throw new RigError("INVALID_NAME", `Invalid workspace name ${JSON.stringify(shown)}: ${WORKSPACE_NAME_RULE}`);
  }
}
