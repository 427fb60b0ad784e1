/**
 * Compiles a workflow's builder chain into a graph: task nodes in evaluation order, each
 * with its lexical provider scope, merged config and upstream tasks, plus the workspace
 * hooks and operations with the scope they were declared in.
 */
import { RigError, messageOf } from "../../errors.ts";
import type { ProviderDefinition } from "../../sdk/provider.ts";
import { type AnySequence, type Item, isSequence } from "../../sdk/sequence.ts";
import type { JsonObject, TaskOptions } from "../../sdk/types.ts";
import { BUILTIN_COMMANDS, RESERVED_WORKSPACE_OPERATIONS } from "../../commands/index.ts";
import { timeoutOption } from "../deadline.ts";
import { parseDuration } from "../duration.ts";
import { definitionHash, hash, hashValue, schemaIdentity } from "./fingerprint.ts";
import { findNonJson, isPlainObject } from "../json.ts";

/**
 * Names operations may not take, from the command table (src/commands/): a workflow
 * operation none of the built-in commands' names, a workspace operation none but those
 * whose workspace form is the project's own (`rig ws1/shell`; README "Operations").
 */
export const RESERVED_COMMANDS = BUILTIN_COMMANDS;
export { RESERVED_WORKSPACE_OPERATIONS };

/** One `.addProvider()` call. `key` is unique within a compile. */
export interface ProviderDecl {
  key: number;
  name: string;
  definition: ProviderDefinition;
}

/** What code at one point of the chain sees. Shared by reference until it changes. */
export interface Scope {
  /** Providers by name, shadowed ones removed, in insertion order. */
  providers: readonly ProviderDecl[];
  config: JsonObject;
  configHash: string;
}

// handlers are typed by the authoring API, not here.
type AnyFn = (...args: any[]) => any;

export interface TaskNode {
  index: number;
  workflow: string;
  /** Node path: enclosing sequence/branch names and the task id, joined by "/". */
  path: string;
  name: string;
  handler: AnyFn;
  options: TaskOptions;
  ttlMs: number | null;
  scope: Scope;
  /** Hash of handler source, version and output schema identity. */
  taskHash: string;
  /** The parts of taskHash, kept so `rig cache explain` can say which one changed. */
  definition: { handler: string; version: string | null; output: string | null };
  /** Indices of the tasks whose output forms this task's incoming context. */
  upstream: number[];
  /** The `.global()` fragment whose shared cache holds this task's runs; null: the project's. */
  fragment: Fragment | null;
  /**
   * Workflow and path as the cache stores them: the workflow's own, or for a fragment
   * `global:<hash>` and the path inside the fragment, so any project finds them.
   */
  cacheKey: { workflow: string; path: string };
}

/** A `.global()` sequence as placed in one workflow. */
export interface Fragment {
  /** Hash of the fragment's graph and definitions (not provider config). */
  hash: string;
  /** Its path in this workflow ("" at the root). */
  prefix: string;
}

export type Step =
  | { kind: "task"; node: TaskNode }
  | { kind: "sequence"; steps: Step[] }
  | { kind: "parallel"; branches: [string, Step][]; concurrency?: number };

export interface OperationNode {
  id: string;
  title?: string;
  description: string | undefined;
  input: unknown;
  run: AnyFn;
  scope: Scope;
  /** The `timeout` option, in ms. */
  timeoutMs?: number;
}

export interface CompiledWorkflow {
  name: string;
  source: AnySequence;
  root: Step;
  tasks: TaskNode[];
  /** Tasks whose outputs make up the final context. */
  final: number[];
  /** The `.global()` fragments this workflow uses. */
  fragments: Fragment[];
  workspace: WorkspaceHooksNode | null;
  workspaceOperations: Map<string, OperationNode>;
  operations: Map<string, OperationNode>;
}

export interface WorkspaceHooksNode {
  create: AnyFn;
  remove: AnyFn | undefined;
  /** Run after the provider started the workspace's machines / before it stops them. */
  start: AnyFn | undefined;
  stop: AnyFn | undefined;
  /** Default lease of new workspaces (`rig create --ttl` overrides it). */
  ttlMs: number | null;
  onExpiry: "stop" | "remove";
  /** `timeout` of the hooks (create, remove, start, stop). */
  timeoutMs?: number;
  scope: Scope;
}

function compileWorkspaceHooks(workflow: string, hooks: Record<string, unknown>, scope: Scope): WorkspaceHooksNode {
  for (const key of ["remove", "start", "stop"] as const) {
    if (hooks[key] !== undefined && typeof hooks[key] !== "function") throw configError(workflow, `.workspace(): \`${key}\` must be a function`);
  }
  let ttlMs: number | null = null;
  if (hooks.ttl !== undefined) {
    ttlMs = typeof hooks.ttl === "string" ? parseDuration(hooks.ttl) : null;
    if (ttlMs === null || ttlMs <= 0) throw configError(workflow, `.workspace(): \`ttl\` must be a duration like "4h" or "30m" (got ${JSON.stringify(hooks.ttl)})`);
  }
  const onExpiry = hooks.onExpiry ?? "remove";
  if (onExpiry !== "stop" && onExpiry !== "remove") throw configError(workflow, `.workspace(): \`onExpiry\` must be "stop" or "remove" (got ${JSON.stringify(onExpiry)})`);
  return {
    create: hooks.create as AnyFn,
    remove: hooks.remove as AnyFn | undefined,
    start: hooks.start as AnyFn | undefined,
    stop: hooks.stop as AnyFn | undefined,
    ttlMs,
    onExpiry,
    timeoutMs: compileTimeout(workflow, hooks.timeout, ".workspace()"),
    scope,
  };
}

const fragmentHashes = new WeakMap<AnySequence, string>();

/**
 * A fragment's identity: its name and, recursively, every task's id, handler source,
 * version and output schema, nested sequences, branches, config and which providers
 * (by name and id, not config) it adds. Provider config changes make its runs stale
 * (through the cache key) without moving it.
 */
export function fragmentHash(seq: AnySequence): string {
  let cached = fragmentHashes.get(seq);
  if (cached) return cached;
  const describe = (s: AnySequence, seen: Set<AnySequence>): unknown[] => {
    if (seen.has(s)) return ["cycle", s.name];
    seen.add(s);
    const items = s.items.map((item): unknown => {
      switch (item.type) {
        case "task":
          return ["task", item.id, hash(item.handler.toString()), item.options.version ?? null, schemaIdentity(item.options.output)];
        case "sequence":
          return ["sequence", item.sequence.name, item.sequence.scope ?? null, describe(item.sequence, seen)];
        case "parallel":
          return ["parallel", item.branches.map(([name, branch]) => [name, branch.scope ?? null, describe(branch, seen)])];
        case "provider":
          return ["provider", item.name, item.definition.id];
        case "configure":
          return ["configure", item.config];
        default:
          return null; // hooks and operations do not affect task runs
      }
    });
    seen.delete(s);
    return [s.name, items];
  };
  cached = hashValue(describe(seq, new Set()));
  fragmentHashes.set(seq, cached);
  return cached;
}

/** Every key a task's options may have; anything else is a config error naming it. */
const TASK_OPTION_KEYS = ["version", "cacheTTL", "output", "inputs", "timeout", "retries", "description"];

const configError = (workflow: string, message: string, detail: string[] = []) =>
  new RigError("CONFIG_ERROR", `Workflow "${workflow}": ${message}`, { detail });

/** A `timeout` option in ms, as a config error of this workflow when it is not a duration. */
function compileTimeout(workflow: string, value: unknown, what: string): number | undefined {
  try {
    return timeoutOption(value, what);
  } catch (error) {
    throw configError(workflow, messageOf(error), ['Use milliseconds or a number with ms, s, m, h or d, e.g. "30s" or "10m".']);
  }
}

function checkId(workflow: string, what: string, id: unknown): asserts id is string {
  if (typeof id !== "string" || id.trim() === "") throw configError(workflow, `${what} id must be a non-empty string (got ${JSON.stringify(id)})`);
  if (id.includes("/")) throw configError(workflow, `${what} id "${id}" must not contain "/"`);
}

export function compileWorkflow(source: AnySequence, providerKeys: Map<ProviderDefinition, number> = new Map()): CompiledWorkflow {
  const workflow = source.name;
  checkId(workflow, "workflow", workflow);
  const tasks: TaskNode[] = [];
  const result: CompiledWorkflow = {
    name: workflow,
    source,
    root: { kind: "sequence", steps: [] },
    tasks,
    final: [],
    fragments: [],
    workspace: null,
    workspaceOperations: new Map(),
    operations: new Map(),
  };
  // Provider definitions are objects; the same object added twice is one declaration.
  const declFor = (name: string, definition: ProviderDefinition): ProviderDecl => {
    let key = providerKeys.get(definition);
    if (key === undefined) providerKeys.set(definition, (key = providerKeys.size));
    return { key, name, definition };
  };

  const addOperation = (map: Map<string, OperationNode>, kind: string, item: Extract<Item, { type: "operation" | "workspaceOperation" }>, scope: Scope) => {
    checkId(workflow, kind, item.id);
    const reserved = item.type === "operation" ? RESERVED_COMMANDS : RESERVED_WORKSPACE_OPERATIONS;
    if (reserved.includes(item.id)) {
      throw configError(workflow, `${kind} "${item.id}" collides with the rig command of the same name`, ["Rename the operation."]);
    }
    if (map.has(item.id)) throw configError(workflow, `duplicate ${kind} "${item.id}"`);
    if (typeof item.def?.run !== "function") throw configError(workflow, `${kind} "${item.id}" needs a run function`);
    const timeoutMs = compileTimeout(workflow, item.def.timeout, `${kind} "${item.id}"`);
    map.set(item.id, { id: item.id, title: item.def.title, description: item.def.description, input: item.def.input, run: item.def.run, scope, timeoutMs });
  };

  const walk = (
    seq: AnySequence,
    prefix: string,
    incoming: Scope,
    frontier: number[],
    seen: Set<AnySequence>,
    enclosing: Fragment | null,
  ): { step: Step; frontier: number[] } => {
    if (seen.has(seq)) throw configError(workflow, `sequence "${seq.name}" contains itself`);
    seen.add(seq);
    const fragment = seq.scope === "global" ? { hash: fragmentHash(seq), prefix } : seq.scope === "local" ? null : enclosing;
    if (fragment && fragment !== enclosing && !result.fragments.some((f) => f.hash === fragment.hash && f.prefix === fragment.prefix)) {
      result.fragments.push(fragment);
    }
    let scope = incoming;
    const steps: Step[] = [];
    const ids = new Set<string>();
    const claim = (id: string, what: string) => {
      if (ids.has(id)) throw configError(workflow, `duplicate ${what} id "${id}" in ${prefix ? `"${prefix}"` : "the workflow"}`);
      ids.add(id);
    };
    for (const item of seq.items) {
      switch (item.type) {
        case "provider": {
          checkId(workflow, "provider", item.name);
          const providers = scope.providers.filter((p) => p.name !== item.name);
          scope = { ...scope, providers: [...providers, declFor(item.name, item.definition)] };
          break;
        }
        case "configure": {
          const problem = isPlainObject(item.config) ? findNonJson(item.config, "config") : "config is not an object";
          if (problem) throw configError(workflow, `.configure(): ${problem}`);
          const config = { ...scope.config, ...item.config };
          scope = { ...scope, config, configHash: hashValue(config) };
          break;
        }
        case "task": {
          checkId(workflow, "task", item.id);
          claim(item.id, "task");
          const options = item.options;
          let ttlMs: number | null = null;
          if (options.cacheTTL !== undefined) {
            ttlMs = parseDuration(options.cacheTTL);
            if (ttlMs === null) {
              throw configError(workflow, `task "${item.id}": cacheTTL ${JSON.stringify(options.cacheTTL)} is not a duration`, [
                'Use milliseconds or a number with ms, s, m, h or d, e.g. "30s" or "7d".',
              ]);
            }
          }
          for (const key of Object.keys(options)) {
            if (!TASK_OPTION_KEYS.includes(key)) throw configError(workflow, `task "${item.id}": unknown option "${key}"`, [`Task options: ${TASK_OPTION_KEYS.join(", ")}.`]);
          }
          if (options.timeout !== undefined) compileTimeout(workflow, options.timeout, `task "${item.id}"`);
          if (options.retries !== undefined && !(Number.isInteger(options.retries) && options.retries >= 0)) {
            throw configError(workflow, `task "${item.id}": retries ${JSON.stringify(options.retries)} is not a whole number of at least 0`);
          }
          if (options.version !== undefined && typeof options.version !== "string") {
            throw configError(workflow, `task "${item.id}": version must be a string`);
          }
          const definition = {
            handler: hash(item.handler.toString()),
            version: options.version ?? null,
            output: schemaIdentity(options.output),
          };
          const path = prefix ? `${prefix}/${item.id}` : item.id;
          const node: TaskNode = {
            index: tasks.length,
            workflow,
            path,
            name: item.id,
            handler: item.handler,
            options,
            ttlMs,
            scope,
            taskHash: definitionHash(definition),
            definition,
            upstream: frontier,
            fragment,
            cacheKey: fragment
              ? { workflow: `global:${fragment.hash}`, path: fragment.prefix ? path.slice(fragment.prefix.length + 1) : path }
              : { workflow, path },
          };
          tasks.push(node);
          steps.push({ kind: "task", node });
          frontier = [node.index];
          break;
        }
        case "sequence": {
          if (!isSequence(item.sequence)) throw configError(workflow, ".add() expects a sequence");
          checkId(workflow, "sequence", item.sequence.name);
          claim(item.sequence.name, "sequence");
          const child = walk(item.sequence, prefix ? `${prefix}/${item.sequence.name}` : item.sequence.name, scope, frontier, seen, fragment);
          steps.push(child.step);
          frontier = child.frontier;
          break;
        }
        case "parallel": {
          const branches: [string, Step][] = [];
          const joined = new Set(frontier);
          for (const [name, branch] of item.branches) {
            checkId(workflow, "branch", name);
            claim(name, "branch");
            const child = walk(branch, prefix ? `${prefix}/${name}` : name, scope, frontier, seen, fragment);
            branches.push([name, child.step]);
            for (const index of child.frontier) joined.add(index);
          }
          const { concurrency } = item;
          if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
            throw configError(workflow, `.parallel(): concurrency ${JSON.stringify(concurrency)} is not a whole number of at least 1`);
          }
          steps.push({ kind: "parallel", branches, concurrency });
          frontier = [...joined];
          break;
        }
        case "workspace":
          if (typeof item.hooks?.create !== "function") throw configError(workflow, ".workspace() needs a create function");
          if (result.workspace) throw configError(workflow, ".workspace() is declared twice");
          result.workspace = compileWorkspaceHooks(workflow, item.hooks, scope);
          break;
        case "workspaceOperation":
          addOperation(result.workspaceOperations, "workspace operation", item, scope);
          break;
        case "operation":
          addOperation(result.operations, "operation", item, scope);
          break;
      }
    }
    seen.delete(seq);
    return { step: { kind: "sequence", steps }, frontier };
  };

  const start: Scope = { providers: [], config: {}, configHash: hashValue({}) };
  const { step, frontier } = walk(source, "", start, [], new Set(), null);
  result.root = step;
  result.final = frontier;
  return result;
}
