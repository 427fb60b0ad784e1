/**
 * Upstream rigkit's positional provider form, `defineProvider(id, config, plugin)`
 * (docs/providers.md "Upstream's form"), mapped onto ours: the plugin's
 * `createProvider({ provider, storage, hostStorage, local })` makes the controller, and
 * its `runtime(context)` gets our runtime context plus `local` and `metadata`. The second
 * argument may also be a config *schema* (anything with `safeParse`): then a factory is
 * returned, as with our form. What upstream has and rig does not (`context.interaction`)
 * is a clear error when a provider touches it.
 */
import type { Awaitable, HostCapabilities } from "./types.ts";
import type { KeyValueStore, ProviderController, ProviderDefinition, ProviderSpec, RuntimeContext } from "./provider.ts";

/** Upstream's plugin: `{ providerId, createProvider(args) → controller }`. */
export interface BaseProviderPlugin<Config = unknown, Runtime = unknown> {
  providerId: string;
  createProvider(args: {
    provider: { id: string; config: Config };
    storage: KeyValueStore;
    hostStorage: KeyValueStore;
    local: HostCapabilities;
  }): Awaitable<WorkflowProviderController<Runtime>>;
}

/** Upstream's controller: ours, with `providerId` and a runtime that may use `context.local`. */
export interface WorkflowProviderController<Runtime = unknown> extends Omit<ProviderController<Runtime>, "runtime"> {
  providerId?: string;
  runtime(context: UpstreamRuntimeContext): Runtime;
}

export interface UpstreamRuntimeContext extends RuntimeContext {
  local: HostCapabilities;
  /** Upstream records run metadata; rig writes it to the run's log. */
  metadata(value: Record<string, unknown>): void;
}

export type WorkflowProviderDefinition<Id extends string = string, Config = unknown, Runtime = unknown> = ProviderDefinition<Runtime> & { readonly id: Id; readonly config: Config };

const unsupported = (id: string, what: string) =>
  new Error(`provider ${id}: ${what} (upstream rigkit) is not supported by rig; see docs/providers.md "Upstream's form"`);

/** The spec our engine runs for an upstream plugin. */
export function upstreamSpec<Config, Runtime>(id: string, plugin: BaseProviderPlugin<Config, Runtime>, configSchema?: ProviderSpec<Config, Runtime>["configSchema"]): ProviderSpec<Config, Runtime> {
  if (typeof id !== "string" || id === "") throw new TypeError("defineProvider(id, config, plugin): `id` must be a non-empty string");
  if (typeof plugin?.createProvider !== "function") {
    throw new TypeError(`defineProvider("${id}", config, plugin): the plugin needs a createProvider({ provider, storage, hostStorage, local }) function`);
  }
  if (plugin.providerId !== undefined && plugin.providerId !== id) {
    throw new TypeError(`defineProvider("${id}", config, plugin): the plugin's providerId is "${plugin.providerId}"`);
  }
  return {
    id,
    configSchema,
    // The plugin's code is what the cache key should follow (README "The cache key").
    fingerprint: String(plugin.createProvider),
    async create({ config, storage, hostStorage, local }) {
      const controller = await plugin.createProvider({ provider: { id, config }, storage, hostStorage, local });
      if (typeof controller?.runtime !== "function") throw new Error(`provider ${id}: createProvider() must return a controller with runtime(context)`);
      const { providerId: _, runtime, ...rest } = controller;
      return {
        ...rest,
        runtime(context: RuntimeContext) {
          const upstream = Object.create(context) as UpstreamRuntimeContext;
          Object.defineProperties(upstream, {
            local: { value: local },
            metadata: { value: (value: Record<string, unknown>) => context.log(`metadata ${JSON.stringify(value)}`) },
            interaction: { get: () => { throw unsupported(id, "context.interaction"); } },
          });
          return runtime.call(controller, upstream);
        },
      } as ProviderController<Runtime>;
    },
  };
}
