/**
 * The authoring API's builder. Sequences are immutable: every method returns a new
 * sequence, so a fragment can be added to several workflows without surprises.
 *
 * Type parameters carry the context through the chain:
 * - `In`  what the sequence expects to receive (checked by `.add` / `.parallel`),
 * - `Ctx` the context after the last step,
 * - `P`   the providers in scope, `C` the merged `.configure` stack,
 * - `W`   the workspace context returned by `.workspace({ create })`.
 */
import type { ProviderDefinition } from "./provider.ts";
import type {
  JsonObject,
  OperationDef,
  TaskHandler,
  TaskOptions,
  WorkspaceHooks,
  WorkspaceOperationDef,
} from "./types.ts";

// erased handler types live in the compiled graph.
type AnyFn = (...args: any[]) => any;

export type Item =
  | { type: "task"; id: string; options: TaskOptions; handler: AnyFn }
  | { type: "sequence"; sequence: AnySequence }
  | { type: "parallel"; branches: [string, AnySequence][]; concurrency?: number }
  | { type: "provider"; name: string; definition: ProviderDefinition }
  | { type: "configure"; config: JsonObject }
  | { type: "workspace"; hooks: { create: AnyFn; remove?: AnyFn; start?: AnyFn; stop?: AnyFn; ttl?: string; onExpiry?: string; timeout?: number | string } }
  | { type: "workspaceOperation"; id: string; def: { title?: string; description?: string; input?: unknown; run: AnyFn; timeout?: number | string } }
  | { type: "operation"; id: string; def: { title?: string; description?: string; input?: unknown; run: AnyFn; timeout?: number | string } };

/** Where a sequence's task runs are cached: the user's shared fragment cache, or the project. */
export type CacheScope = "global" | "local";

// any sequence, whatever its types.
export type AnySequence = Sequence<any, any, any, any, any>;

/** The context type a sequence ends with. */
export type CtxOf<S> = S extends Sequence<infer _I, infer O, infer _P, infer _C, infer _W> ? O : never;

type Branch<Ctx extends object, P, C extends object> = AnySequence | ((start: Sequence<Ctx, Ctx, P, C, JsonObject>) => AnySequence);
type BranchOut<B> = B extends (...args: never[]) => infer S ? CtxOf<S> : CtxOf<B>;

const SEQUENCE_BRAND = Symbol.for("rigkit.sequence");

/**
 * Whether a sequence is a workflow: `workflow()` roots are; `workflow("app").sequence("web")`
 * builders are when the config exports them (upstream rigkit's style), and reusable
 * nodes for `.add()` otherwise; `sequence()` fragments are not (unless default-exported).
 */
export type WorkflowRole = boolean | "when-exported";

/**
 * Upstream rigkit types fragments as `sequence<Providers, Context>(name)`: a first type
 * argument that is (or extends) this map means that order.
 */
// provider runtimes are typed by whoever adds them.
export type WorkflowProviderMap = Record<string, any> & { readonly [providerMapKey]?: true };
declare const providerMapKey: unique symbol;
type IsProviderMap<A> = typeof providerMapKey extends keyof A ? true : false;

/** The context a sequence (or any workflow node) ends with: upstream's name for `CtxOf`. */
export type WorkflowNodeOutput<S> = CtxOf<S>;

export class Sequence<In extends object, Ctx extends object, P, C extends object, W extends object = JsonObject> {
  /** On the prototype (below): an instance field would be defined on each of 10,000 links. */
  declare readonly [SEQUENCE_BRAND]: true;
  /** Phantom fields: type information only, never set at run time. */
  declare readonly __types?: { in: In; ctx: Ctx; providers: P; config: C; workspace: W };

  /**
   * The items, as a persistent linked list: a sequence made by `with` only points at its
   * parent and its own last item, so a chain of n `.task()` calls costs O(n), not the
   * O(n²) of copying the list each time. `items` builds the array on first read (once).
   */
  #items: readonly Item[] | undefined;
  readonly #parent: AnySequence | undefined;
  readonly #last: Item | undefined;

  constructor(
    readonly name: string,
    readonly isWorkflow: WorkflowRole,
    items: readonly Item[] = [],
    readonly scope: CacheScope | undefined = undefined,
    link?: { parent: AnySequence; last: Item },
  ) {
    this.#items = link ? undefined : items;
    this.#parent = link?.parent;
    this.#last = link?.last;
  }

  /** Every item in order; computed once per sequence, never copied per `.task()`. */
  get items(): readonly Item[] {
    if (this.#items) return this.#items;
    // Walk back (iteratively: chains can be 10,000+ long) to the nearest built ancestor.
    const tail: Item[] = [];
    let seq: AnySequence = this;
    while (!seq.#items) {
      tail.push(seq.#last as Item);
      seq = seq.#parent as AnySequence; // only a linked sequence lacks #items
    }
    const items = [...seq.#items, ...tail.reverse()];
    this.#items = items;
    return items;
  }

  private with<NCtx extends object, NP = P, NC extends object = C, NW extends object = W>(item: Item): Sequence<In, NCtx, NP, NC, NW> {
    return new Sequence(this.name, this.isWorkflow, undefined, this.scope, { parent: this, last: item });
  }

  /** `.step()` is upstream rigkit's name for `.task()`. */
  declare readonly step: this["task"];

  /**
   * A sequence builder named `name` that starts with this one's providers and config: exported
   * from the config it is a workflow of that name, otherwise a reusable node for `.add()`.
   */
  sequence<NIn extends object = Ctx>(name: string): Sequence<NIn, NIn, P, C, W> {
    return new Sequence(name, "when-exported", this.items.filter((item) => item.type === "provider" || item.type === "configure"), this.scope);
  }

  /** Adds a task. Its returned `{ ctx }` replaces the incoming context; returning nothing keeps it. */
  task<Out extends object = Ctx>(id: string, handler: TaskHandler<Ctx, P, C, Out>): Sequence<In, Out, P, C, W>;
  task<Out extends object = Ctx>(
    id: string,
    options: TaskOptions,
    handler: TaskHandler<Ctx, P, C, Out>,
  ): Sequence<In, Out, P, C, W>;
  task(id: string, a: TaskOptions | AnyFn, b?: AnyFn): AnySequence {
    const options = typeof a === "function" ? {} : (a ?? {});
    const handler = typeof a === "function" ? a : b;
    if (typeof handler !== "function") throw new TypeError(`task "${id}": the handler must be a function`);
    return this.with({ type: "task", id, options, handler });
  }

  /** Appends a fragment; its tasks see this chain's providers and config. */
  add<I extends object, O extends object>(
    // a fragment's own provider/config types do not constrain the chain.
    fragment: Sequence<I, O, any, any, any> & (Ctx extends I ? unknown : { "fragment expects context the chain lacks": I }),
  ): Sequence<In, O, P, C, W>;
  add(fragment: AnySequence): AnySequence {
    if (!isSequence(fragment)) throw new TypeError(`${this.name}.add(): expected a sequence`);
    return this.with({ type: "sequence", sequence: fragment });
  }

  /**
   * Named branches that start from the same context and run concurrently. Their results
   * are joined as `{ branchName: branchCtx }` on top of the incoming context. A branch is a
   * sequence, or a function receiving a typed starting sequence. `concurrency` runs at
   * most that many branches at once.
   */
  parallel<B extends Record<string, Branch<Ctx, P, C>>>(
    branches: B,
    options: { concurrency?: number } = {},
  ): Sequence<In, Omit<Ctx, keyof B> & { [K in keyof B]: BranchOut<B[K]> }, P, C, W> {
    const entries: [string, AnySequence][] = Object.entries(branches).map(([name, branch]) => {
      const seq = typeof branch === "function" ? branch(new Sequence(name, false)) : branch;
      if (!isSequence(seq)) throw new TypeError(`parallel branch "${name}": expected a sequence`);
      return [name, seq];
    });
    return this.with({ type: "parallel", branches: entries, concurrency: options.concurrency });
  }

  /**
   * Caches this sequence's task runs (and its children's) in the fragment cache shared by
   * every project of this user, `$RIGKIT_HOME/fragments/<hash>/`. A second project adding
   * the same fragment finds it cached. Its tasks should produce project-independent
   * results (an image, a directory under the fragment's data dir).
   */
  global(): Sequence<In, Ctx, P, C, W> {
    return new Sequence(this.name, this.isWorkflow, this.items, "global");
  }

  /** Inside a `.global()` sequence: caches this subtree in the project again. */
  local(): Sequence<In, Ctx, P, C, W> {
    return new Sequence(this.name, this.isWorkflow, this.items, "local");
  }

  /** Adds a provider to the scope of everything after this point. */
  addProvider<N extends string, R>(name: N, definition: ProviderDefinition<R>): Sequence<In, Ctx, Omit<P, N> & { [K in N]: R }, C, W> {
    return this.with({ type: "provider", name, definition: definition as ProviderDefinition });
  }

  /** Shallow-merges JSON config into the stack seen by later tasks; part of their cache key. */
  configure<NC extends JsonObject>(config: NC): Sequence<In, Ctx, P, Omit<C, keyof NC> & NC, W> {
    return this.with({ type: "configure", config });
  }

  /** How workspaces are created from the final context, and removed. */
  workspace<WCtx extends object>(hooks: WorkspaceHooks<Ctx, P, C, WCtx>): Sequence<In, Ctx, P, C, WCtx> {
    return this.with({ type: "workspace", hooks });
  }

  /** A command run against one workspace: `rig ws1/<id>`. */
  workspaceOperation<I = Record<string, never>>(id: string, def: WorkspaceOperationDef<Ctx, P, C, I, W>): Sequence<In, Ctx, P, C, W> {
    return this.with({ type: "workspaceOperation", id, def });
  }

  /** A command not tied to a workspace: `rig <id>`. */
  operation<I = Record<string, never>>(id: string, def: OperationDef<Ctx, P, C, I>): Sequence<In, Ctx, P, C, W> {
    return this.with({ type: "operation", id, def });
  }
}

Object.defineProperty(Sequence.prototype, "step", { value: Sequence.prototype.task, writable: true, configurable: true });
Object.defineProperty(Sequence.prototype, SEQUENCE_BRAND, { value: true });

export const isSequence = (value: unknown): value is AnySequence =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[SEQUENCE_BRAND] === true;

/**
 * A reusable fragment. Declare the context it expects with `sequence<{ repo: string }>("name")`.
 * Its tasks see the providers of wherever it is added; they are typed loosely unless
 * declared too: `sequence<{}, { local: LocalRuntime }>("name")`. Upstream rigkit's order,
 * `sequence<WorkflowProviderMap | YourProviders, Context>("name")`, is understood too.
 */
// fragments do not know the providers of the chain they join.
export function sequence<In extends object = {}, P = Record<string, any>, C extends object = {}>(
  name: string,
): IsProviderMap<In> extends true ? Sequence<P & object, P & object, In, C> : Sequence<In, In, P, C>;
export function sequence(name: string): AnySequence {
  return new Sequence(name, false);
}

/** A named root sequence; export it from `rigkit.config.ts`. */
export function workflow(name: string): Sequence<{}, {}, {}, {}> {
  return new Sequence(name, true);
}
