/**
 * Stale workspaces are visible (README "Correct reuse"): each apply records what its
 * result is (the workflow's final context, and for each artifact in it what its seal says
 * it holds: a directory's fingerprint), each workspace records that value when it is
 * made, and `rig ls` calls a workspace `outdated` when its workflow's recorded result has
 * changed since: a later apply replaced or rewrote its base. An apply that reran a task
 * without changing the base (a `cacheTTL: 0` check) leaves workspaces current. Both
 * values live in the state file, so `ls --cached` answers without loading the config.
 */
import type { ArtifactRef } from "../../sdk/provider.ts";
import type { ArtifactSeal } from "../../state/store.ts";
import { collectArtifacts } from "../graph/cache.ts";
import { hash } from "../graph/fingerprint.ts";

/** The result's identity: the final context and what each of its artifacts holds (or, when unknown, which run made it). */
export function resultOf(ctx: unknown, sealOf: (ref: ArtifactRef) => ArtifactSeal | null): string {
  const held = collectArtifacts(ctx).map((ref) => {
    const seal = sealOf(ref);
    return seal ? (seal.state ?? `run:${seal.run}`) : null;
  });
  return hash(JSON.stringify([ctx, held]));
}

/**
 * Whether a workspace made from `madeFrom` is older than its workflow's `current` result.
 * Unknown either way (made before rig recorded it, or never applied since) is not outdated.
 */
export const isOutdated = (madeFrom: string | null, current: string | null | undefined): boolean =>
  madeFrom !== null && current !== null && current !== undefined && madeFrom !== current;
