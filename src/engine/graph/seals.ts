/**
 * A reused run's outputs are what it made (README "Correct reuse"). A task often writes a
 * directory rig keeps at one path (`prepareDir("source", { fresh: true })`), and the cache
 * reuses *any* stored run whose key matches: after edit, apply, revert, the first run's
 * key matches again, but its directory holds the second run's files.
 *
 * So when a run that output an artifact ref finishes, rig *seals* the artifact: this run
 * made it last, and this is the provider's fingerprint of it now (`artifactState`). Before
 * reusing a run, the artifact's seal must name that run or a run built on it (a later
 * task that kept the ref and added to the directory, like the template's `setup`), and
 * the fingerprint must still match (nothing changed it behind rig's back). Otherwise the
 * task is pending with `artifact-changed`.
 */
import type { ArtifactRef } from "../../sdk/provider.ts";
import type { Store } from "../../state/store.ts";
import type { Scope } from "./compile.ts";
import { stableStringify } from "./fingerprint.ts";
import type { ProviderRegistry } from "../project/providers.ts";

export const describeArtifact = (ref: ArtifactRef): string =>
  `${ref.provider} ${ref.kind} ${String(ref.path ?? ref.id ?? ref.name ?? JSON.stringify(ref))}`;

/** The seal's key: the ref itself, as stable JSON. */
export const sealKey = (ref: ArtifactRef): string => stableStringify(ref);

/** Per pass: fingerprints taken (one walk of a directory however many runs name it), and run ancestries. */
class Seals {
  private readonly states = new Map<string, Promise<string | null | undefined>>();
  private readonly ancestries = new Map<string, Set<string>>();

  constructor(private readonly registry: ProviderRegistry) {}

  private state(scope: Scope, ref: ArtifactRef): Promise<string | null | undefined> {
    const key = sealKey(ref);
    let state = this.states.get(key);
    if (!state) this.states.set(key, (state = this.registry.artifactState(scope, ref)));
    return state;
  }

  /** `run` and every run it was built on (its upstream runs, transitively), as recorded. */
  private ancestry(stores: readonly Store[], run: string): Set<string> {
    const known = this.ancestries.get(run);
    if (known) return known;
    const seen = new Set<string>();
    const pending = [run];
    while (pending.length > 0) {
      const id = pending.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const store of stores) {
        const upstream = store.runUpstream(id);
        if (!upstream) continue;
        for (const up of upstream) if (up && !up.startsWith("out:")) pending.push(up);
        break;
      }
    }
    this.ancestries.set(run, seen);
    return seen;
  }

  /**
   * Null when `run`'s artifact still holds what it made; otherwise what changed (for
   * `plan`'s detail and `cache explain`). An artifact never sealed (made before seals, or
   * by a provider that does not fingerprint) is trusted as before.
   */
  async changed(stores: readonly Store[], scope: Scope, run: string, ref: ArtifactRef): Promise<string | null> {
    const store = stores[0] as Store;
    const seal = store.seal(sealKey(ref));
    if (!seal) return null;
    if (!this.ancestry(stores, seal.run).has(run)) {
      const by = stores.map((s) => s.runSummary(seal.run)).find((s) => s !== null);
      const what = by ? `task ${by.path}, run ${seal.run} at ${new Date(by.finished_at).toISOString()}` : `run ${seal.run}`;
      return `${describeArtifact(ref)} no longer holds this run's output: a later run not built on it changed it (${what})`;
    }
    if (seal.state === null) return null;
    const now = await this.state(scope, ref);
    if (now === undefined || now === null) return null; // no fingerprint now: cannot tell
    return now === seal.state ? null : `${describeArtifact(ref)} changed since run ${seal.run} finished (its files differ)`;
  }

  /** After `run` finished with these refs in its output: it made them last, as they are now. */
  async seal(store: Store, scope: Scope, run: string, refs: readonly ArtifactRef[]): Promise<void> {
    for (const ref of refs) {
      const key = sealKey(ref);
      this.states.delete(key);
      let state: string | null | undefined;
      try {
        state = await this.registry.artifactState(scope, ref);
      } catch {
        state = null; // cannot tell now: the run still made it last
      }
      if (state === undefined) continue; // a provider whose artifacts never change in place
      store.setSeal(key, run, state);
      this.states.set(key, Promise.resolve(state));
    }
  }
}

const byPass = new WeakMap<object, Seals>();

/**
 * The seals of one plan or apply pass, identified by its run lookup (a new one per pass):
 * a directory is walked once per pass however many runs name it, and a long-lived process
 * (`rig serve`) never answers from an earlier pass's walk.
 */
export function sealsOf(registry: ProviderRegistry, pass: object): Seals {
  let seals = byPass.get(pass);
  if (!seals) byPass.set(pass, (seals = new Seals(registry)));
  return seals;
}
