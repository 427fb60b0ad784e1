/**
 * Provider instances for one command: config resolution (env values, secrets),
 * fingerprints for the cache key, and lazily created controllers.
 */
import { join } from "node:path";
import { RigError, isRigError, messageOf } from "../../errors.ts";
import { hostStorageFile } from "./provider-storage.ts";
import { host } from "../../host/local.ts";
import { isEnvValue } from "../../sdk/env.ts";
import type { ArtifactRef, ProjectInfo, ProviderController, RuntimeContext, WorkspaceResource } from "../../sdk/provider.ts";
import type { JsonObject } from "../../sdk/types.ts";
import type { Store } from "../../state/store.ts";
import type { ProviderDecl, Scope } from "../graph/compile.ts";
import { hash, hashValue } from "../graph/fingerprint.ts";
import { fileStorage, projectStorage } from "./provider-storage.ts";
import { redact, registerSecret } from "../../host/secrets.ts";


/** Replaces env() values: by their value, or (for fingerprints) secrets by a presence marker. */
function resolve(value: unknown, forFingerprint: boolean, where: string): unknown {
  if (isEnvValue(value)) {
    const actual = process.env[value.name] ?? value.fallback;
    if (value.secret) {
      if (forFingerprint) return { $secret: value.name, present: actual !== undefined && actual !== "" };
      if (actual === undefined || actual === "") {
        throw new RigError("PROVIDER_FAILED", `${where}: secret ${value.name} is not set`, {
          detail: [`Export ${value.name}, or add it to the project's .env file.`],
        });
      }
      registerSecret(actual);
      return actual;
    }
    if (actual === undefined && !forFingerprint) {
      throw new RigError("PROVIDER_FAILED", `${where}: environment variable ${value.name} is not set`, {
        detail: [`Export ${value.name}, add it to .env, or give env("${value.name}", fallback) a fallback.`],
      });
    }
    return forFingerprint ? { $env: value.name, value: actual ?? null } : actual;
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, forFingerprint, where));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, forFingerprint, where)]));
  }
  return value;
}

/** Tags a RigError with the provider involved (the `--json` error's `provider`), unless it names one already. */
function tagged(provider: string, error: unknown): unknown {
  if (isRigError(error) && error.subject.provider === undefined) (error.subject as { provider?: string }).provider = provider;
  return error;
}

/** The runtime helpers, with every failure they throw or reject with naming their provider. */
function naming(provider: string, helpers: unknown): unknown {
  if (typeof helpers !== "object" || helpers === null) return helpers;
  return new Proxy(helpers, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return function (this: unknown, ...args: unknown[]) {
        try {
          const result = value.apply(this === receiver ? target : this, args);
          return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(tagged(provider, error))) : result;
        } catch (error) {
          throw tagged(provider, error);
        }
      };
    },
  });
}

/** The workspace as the engine hands it to `runtimes`: `claim` takes the provider's name. */
export interface EngineWorkspace {
  name: string;
  readonly ctx: JsonObject;
  record(partial: JsonObject): void;
  claim(provider: string, resource: WorkspaceResource): void;
}

export type EngineRuntimeContext = Omit<RuntimeContext, "workspace"> & { workspace?: EngineWorkspace };

export class ProviderRegistry {
  private fingerprints = new Map<number, string>();
  private scopeFingerprints = new WeakMap<readonly ProviderDecl[], string>();
  private controllers = new Map<number, Promise<ProviderController<unknown>>>();

  constructor(
    readonly project: ProjectInfo,
    readonly store: Store,
  ) {}

  private label = (decl: ProviderDecl) => (decl.name === decl.definition.id ? `provider ${decl.name}` : `provider ${decl.name} (${decl.definition.id})`);

  /** Provider id, resolved config with secrets as presence markers, and plugin fingerprint. */
  fingerprint(decl: ProviderDecl): string {
    let fp = this.fingerprints.get(decl.key);
    if (fp === undefined) {
      fp = hashValue(this.fingerprintParts(decl));
      this.fingerprints.set(decl.key, fp);
    }
    return fp;
  }

  /** What the fingerprint is made of (secrets as presence markers), so `cache explain` can name a changed key. */
  fingerprintParts(decl: ProviderDecl): { id: string; config: unknown; plugin: string } {
    const { spec, config } = decl.definition;
    return { id: spec.id, config: resolve(config, true, this.label(decl)), plugin: spec.fingerprint ?? hash(spec.create.toString()) };
  }

  /** Fingerprint of every provider a task has in scope, by the name it sees them under. */
  scopeFingerprint(scope: Scope): string {
    let fp = this.scopeFingerprints.get(scope.providers);
    if (fp === undefined) {
      fp = hashValue(scope.providers.map((decl) => [decl.name, this.fingerprint(decl)]));
      this.scopeFingerprints.set(scope.providers, fp);
    }
    return fp;
  }

  controller(decl: ProviderDecl): Promise<ProviderController<unknown>> {
    let controller = this.controllers.get(decl.key);
    if (!controller) {
      controller = this.createController(decl);
      this.controllers.set(decl.key, controller);
    }
    return controller;
  }

  private async createController(decl: ProviderDecl): Promise<ProviderController<unknown>> {
    const { spec } = decl.definition;
    const where = this.label(decl);
    let config = resolve(decl.definition.config, false, where);
    if (spec.configSchema) {
      const parsed = spec.configSchema.safeParse(config);
      if (!parsed.success) {
        const issues = (parsed.error as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
        const lines = issues?.map((i) => `${i.path.map(String).join(".") || "config"}: ${i.message}`) ?? [messageOf(parsed.error)];
        throw new RigError("CONFIG_ERROR", `${where}: invalid config: ${redact(lines[0] ?? "")}`, { detail: lines.slice(1).map(redact) });
      }
      config = parsed.data;
    }
    try {
      const controller = await spec.create({
        config,
        storage: projectStorage(this.store, spec.id),
        hostStorage: fileStorage(hostStorageFile(spec.id)),
        local: host,
        project: this.project,
      });
      if (typeof controller?.runtime !== "function") throw new Error("create() must return an object with a runtime(ctx) function");
      return controller;
    } catch (error) {
      if (isRigError(error)) throw error;
      throw new RigError("PROVIDER_FAILED", `${where}: ${redact(messageOf(error))}`, { cause: error });
    }
  }

  /**
   * The `providers` object handed to user code: runtime helpers of every provider in
   * scope. Each provider's `workspace.claim` records resources under its own name.
   */
  async runtimes(scope: Scope, ctx: EngineRuntimeContext): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const decl of scope.providers) {
      const ws = ctx.workspace;
      const workspace = ws && {
        name: ws.name,
        get ctx() {
          return ws.ctx;
        },
        record: (partial: JsonObject) => ws.record(partial),
        claim: (resource: WorkspaceResource) => ws.claim(decl.name, resource),
      };
      out[decl.name] = naming(decl.name, (await this.controller(decl)).runtime({ ...ctx, workspace }));
    }
    return out;
  }

  /** False when a provider in scope knows the artifact and says it is gone. */
  async artifactValid(scope: Scope, ref: ArtifactRef): Promise<boolean> {
    for (const decl of scope.providers) {
      if (decl.definition.id !== ref.provider) continue;
      const controller = await this.controller(decl);
      if (!controller.validateArtifact) return true;
      try {
        return Boolean(await controller.validateArtifact(ref));
      } catch (error) {
        if (isRigError(error)) throw error;
        throw new RigError("PROVIDER_FAILED", `${this.label(decl)}: cannot check ${ref.kind} artifact: ${redact(messageOf(error))}`, { cause: error });
      }
    }
    return true;
  }
}
