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
 *
 * The fingerprint is taken once per apply pass, when the pass ends, not after every run:
 * a workflow whose tasks all keep the base's ref walks the base once, and what later tasks
 * of the same pass wrote into it counts as built on those runs. Until then the seal says
 * `pending`; a rig killed before it ends leaves that, and the next plan reruns the task.
 * When a pass ran anything, the artifacts of the runs it reused are fingerprinted again
 * too: a task that writes into an earlier task's directory without keeping its ref (so
 * rig cannot tell) then leaves it as this pass made it, not as changed behind rig's back,
 * and a failed apply resumes at the failed task.
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

/** A seal's state while its pass runs (see above). */
const PENDING = "pending";

/** Per pass: fingerprints taken (one walk of a directory however many runs name it), run ancestries, seals to finish. */
class Seals {
  private readonly states = new Map<string, Promise<string | null | undefined>>();
  private readonly ancestries = new Map<string, Set<string>>();
  /**
   * Seals to finish, per state file: a `.global()` fragment's run and a later task of the
   * project (a `.local()` subtree) may both output the same ref, each sealing it in its own store.
   */
  private readonly pending = new Map<Store, Map<string, { scope: Scope; ref: ArtifactRef; run: string }>>();
  /** Artifacts of runs this pass found reusable. */
  private readonly reused = new Map<string, { store: Store; scope: Scope; ref: ArtifactRef }>();

  constructor(private readonly registry: ProviderRegistry) {}

  private state(scope: Scope, ref: ArtifactRef): Promise<string | null | undefined> {
    const key = sealKey(ref);
    let state = this.states.get(key);
    if (!state) {
      state = this.registry.artifactState(scope, ref);
      this.states.set(key, state);
    }
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
    const key = sealKey(ref);
    const seal = store.seal(key);
    if (!seal) return null;
    if (!this.ancestry(stores, seal.run).has(run)) {
      const by = stores.map((s) => s.runSummary(seal.run)).find((s) => s !== null);
      const what = by ? `task ${by.path}, run ${seal.run} at ${new Date(by.finished_at).toISOString()}` : `run ${seal.run}`;
      return `${describeArtifact(ref)} no longer holds this run's output: a later run not built on it changed it (${what})`;
    }
    if (seal.state === PENDING) {
      // Being made in this very pass: what it holds is this pass's work.
      if (this.pending.get(store)?.get(key)?.run === seal.run) return null;
      return `${describeArtifact(ref)} may not hold what run ${seal.run} made: rig stopped before it could check`;
    }
    if (seal.state === null) return null;
    const now = await this.state(scope, ref);
    if (now === undefined || now === null) return null; // no fingerprint now: cannot tell
    if (now !== seal.state) return `${describeArtifact(ref)} changed since run ${seal.run} finished (its files differ)`;
    this.reused.set(key, { store, scope, ref });
    return null;
  }

  /** After `run` finished with these refs in its output: it made them last (fingerprinted when the pass ends). */
  async seal(store: Store, scope: Scope, run: string, refs: readonly ArtifactRef[]): Promise<void> {
    for (const ref of refs) {
      if (!(await this.registry.fingerprintsArtifacts(scope, ref))) continue; // artifacts that never change in place (image ids)
      const key = sealKey(ref);
      this.states.delete(key);
      store.setSeal(key, run, PENDING);
      let sealing = this.pending.get(store);
      if (!sealing) this.pending.set(store, (sealing = new Map()));
      sealing.set(key, { scope, ref, run });
    }
  }

  /**
   * When the pass ends (done, failed or interrupted): each artifact sealed in it as it is
   * now; and when it `ran` something, each artifact it reused, as that left it.
   */
  async finish(ran: boolean): Promise<void> {
    const now = async (scope: Scope, ref: ArtifactRef) => {
      try {
        return (await this.state(scope, ref)) ?? null;
      } catch {
        return null; // cannot tell now
      }
    };
    for (const [store, sealing] of this.pending) for (const [key, { scope, ref, run }] of sealing) store.setSeal(key, run, await now(scope, ref));
    if (ran) {
      for (const [key, { store, scope, ref }] of this.reused) {
        const seal = store.seal(key);
        if (this.pending.get(store)?.has(key) || !seal || seal.state === null || seal.state === PENDING) continue;
        this.states.delete(key);
        const state = await now(scope, ref);
        if (state !== null && state !== seal.state) store.setSeal(key, seal.run, state);
      }
    }
    this.pending.clear();
    this.reused.clear();
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
