/**
 * Stale workspaces are visible (README "Correct reuse"): each apply records what its
 * result came from (the run ids of every task of the workflow), each workspace records
 * that value when it is made, and `rig ls` calls a workspace `outdated` when its
 * workflow's recorded result has changed since: a later apply replaced its base. Both
 * live in the state file, so `ls --cached` answers without loading the config.
 */
import { hash } from "../graph/fingerprint.ts";

/** The result's identity: a hash of the run ids behind it (any task that ran again changes it). */
export const resultOf = (runIds: readonly (string | null)[]): string => hash(JSON.stringify(runIds));

/**
 * Whether a workspace made from `madeFrom` is older than its workflow's `current` result.
 * Unknown either way (made before rig recorded it, or never applied since) is not outdated.
 */
export const isOutdated = (madeFrom: string | null, current: string | null | undefined): boolean =>
  madeFrom !== null && current !== null && current !== undefined && madeFrom !== current;
