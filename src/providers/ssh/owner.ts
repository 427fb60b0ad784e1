/**
 * Owner markers on ssh hosts (docs/providers.md "Ownership"), as shell snippets run in the same
 * remote command as the change they guard. Like local ones (providers/local/owner.ts), a
 * directory `<parent>/<name>` is rig's when `<parent>/.<name>.rigkit-owner` names this
 * project; nothing follows a symlink (`[ -L ]` on the path and on every directory rig made
 * above it, in the same shell command that deletes).
 */
import { shq } from "../../host/stoppable.ts";

export const MARKER_SUFFIX = ".rigkit-owner";

export const markerOf = (path: string): string => {
  const slash = path.lastIndexOf("/");
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}${MARKER_SUFFIX}`;
};

/** Exit code of a snippet that refused to touch something not this project's. */
export const REFUSED = 3;

/** Markers are one line of JSON without spaces, so `grep -F` can test ownership. */
export const markerJson = (fields: Record<string, string>): string => JSON.stringify({ rigkit: 1, ...fields });

/** `true` in the shell when `marker` names this project (by id or by directory). */
export const ownedTest = (marker: string, id: string, dir: string): string =>
  `{ [ -f ${shq(marker)} ] && [ ! -L ${shq(marker)} ] && { grep -qF ${shq(`"project":${JSON.stringify(id)}`)} ${shq(marker)} || grep -qF ${shq(`"dir":${JSON.stringify(dir)}`)} ${shq(marker)}; }; }`;

/** Fails (REFUSED) when any of `dirs` is a symlink. */
export const noSymlinks = (dirs: string[]): string =>
  dirs.map((d) => `if [ -L ${shq(d)} ]; then echo "rigkit: refusing: "${shq(d)}" is a symlink" >&2; exit ${REFUSED}; fi`).join("; ");

/**
 * Deletes `path` and its marker when the path is a real directory (or gone) and the marker
 * names this project; otherwise exits REFUSED. `chain`: the directories rig made above it.
 */
export function removeOwnedScript(path: string, chain: string[], id: string, dir: string, options: { unmarked?: boolean } = {}): string {
  const marker = markerOf(path);
  // `unmarked`: a workspace's own recorded directory from before markers may have none; one naming another project never goes.
  const refuse = options.unmarked ? `[ -e ${shq(marker)} ] && ! ${ownedTest(marker, id, dir)}` : `! ${ownedTest(marker, id, dir)}`;
  return [
    noSymlinks(chain),
    `if [ -L ${shq(path)} ] || { [ -e ${shq(path)} ] && [ ! -d ${shq(path)} ]; }; then echo "rigkit: refusing: "${shq(path)}" is a symlink or not a directory" >&2; exit ${REFUSED}; fi`,
    `if [ ! -e ${shq(path)} ] && [ ! -e ${shq(marker)} ]; then exit 0; fi`,
    `if ${refuse}; then echo "rigkit: refusing: "${shq(path)}" was not made by rig for this project (no owner marker)" >&2; exit ${REFUSED}; fi`,
    `rm -rf ${shq(path)} && rm -f ${shq(marker)}`,
  ].join("\n");
}
