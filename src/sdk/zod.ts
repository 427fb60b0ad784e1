/**
 * `z`, loaded only when a schema is really used. zod takes 35–40 ms to load, more than
 * the rest of a workspace action; most configs only *build* schemas (operation inputs)
 * and most commands never parse them.
 *
 * So `z.object`, `z.string`, … and chained builders (`.optional()`, `.default()`, …)
 * return a *recorded* schema: a proxy that remembers how it was built. The first time
 * anything else is read from it (`.parse`, `.shape`, `._zod`, `instanceof`), the recipe
 * is replayed on the real zod and the proxy forwards everything to that schema from
 * then on, so it behaves like the schema a direct import would give.
 *
 * Operation inputs, the one place rig itself reads schemas on every run, use `liteFields`
 * and `liteParse` below: they answer for the plain flag shapes (an object of strings,
 * numbers, booleans, enums and literals, optional/nullable/default/described) without
 * zod. Anything else, and every failed parse (for zod's own messages), goes to zod.
 */
import type * as zod from "zod";

let real: typeof zod.z | undefined;
const load = (): typeof zod.z => {
  real ??= (require("zod") as typeof zod).z;
  return real;
};

type Call = readonly [method: string, args: readonly unknown[]];
interface Recipe {
  ctor: string;
  args: readonly unknown[];
  chain: readonly Call[];
}

const RECIPE = Symbol("rigkit.schemaRecipe");
/** `z.<ctor>(…)` that are recorded rather than run. */
const CTORS = new Set(["object", "strictObject", "looseObject", "string", "number", "boolean", "enum", "literal"]);
/** Methods that always return a new schema, so they can be recorded too. */
const CHAIN = new Set([
  "optional", "nullable", "nullish", "default", "prefault", "describe", "min", "max", "length", "int", "positive",
  "negative", "nonnegative", "nonpositive", "regex", "email", "url", "uuid", "trim", "toLowerCase", "toUpperCase",
  "startsWith", "endsWith", "includes",
]);

/** The recipe of a recorded schema, or undefined for anything else. */
export const recipeOf = (value: unknown): Recipe | undefined =>
  (typeof value === "object" && value !== null && (value as Record<symbol, Recipe | undefined>)[RECIPE]) || undefined;

/** Replaces recorded schemas (also inside plain objects and arrays) with real ones. */
function realize(value: unknown): unknown {
  if (recipeOf(value)) return (value as { [RECIPE]: Recipe; _realize: () => unknown })._realize();
  if (Array.isArray(value)) return value.map(realize);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    // Only data properties are read: a getter (zod's recursive shapes) must stay lazy.
    const descriptors = Object.values(Object.getOwnPropertyDescriptors(value));
    if (!descriptors.some((d) => "value" in d && recipeOf(d.value))) return value;
    if (descriptors.some((d) => !("value" in d))) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, realize(v)]));
  }
  return value;
}

function recorded(recipe: Recipe): unknown {
  let schema: Record<PropertyKey, unknown> | undefined;
  const build = () => {
    if (!schema) {
      const z = load() as unknown as Record<string, (...args: unknown[]) => Record<string, (...args: unknown[]) => unknown>>;
      let s = (z[recipe.ctor] as (...args: unknown[]) => unknown)(...recipe.args.map(realize)) as Record<string, (...a: unknown[]) => unknown>;
      for (const [method, args] of recipe.chain) s = (s[method] as (...a: unknown[]) => typeof s).apply(s, args.map(realize));
      schema = s;
    }
    return schema;
  };
  return new Proxy({} as Record<PropertyKey, unknown>, {
    get: (_, key) => {
      if (key === RECIPE) return recipe;
      if (key === "_realize") return build;
      if (typeof key === "string" && CHAIN.has(key)) {
        return (...args: unknown[]) => recorded({ ...recipe, chain: [...recipe.chain, [key, args]] });
      }
      const target = build();
      const value = Reflect.get(target, key, target);
      // Methods run on the real schema, with real schemas as arguments (`a.or(z.string())`).
      if (typeof value !== "function" || key === "constructor") return value;
      return (...args: unknown[]) => value.apply(target, args.map(realize));
    },
    has: (_, key) => key === RECIPE || Reflect.has(build(), key),
    ownKeys: () => Reflect.ownKeys(build()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(build(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(build()),
    set: (_, key, value) => Reflect.set(build(), key, value),
  });
}

export const z: typeof zod.z = new Proxy({} as typeof zod.z, {
  get: (_, key) => {
    if (typeof key === "string" && CTORS.has(key)) return (...args: unknown[]) => recorded({ ctor: key, args, chain: [] });
    const value = Reflect.get(load(), key);
    // Real zod functions given recorded schemas (`z.array(z.string())`) get real ones.
    return typeof value === "function" && !/^[A-Z]/.test(String(key)) ? (...args: unknown[]) => value(...args.map(realize)) : value;
  },
  has: (_, key) => Reflect.has(load(), key),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
    return descriptor && { ...descriptor, configurable: true };
  },
});

// --- the lite path for operation inputs ------------------------------------------------

/** What `inputFields` reads from a zod field (zod 4's `def` and `description`), from a recipe. */
export interface LiteField {
  def: { type: string; innerType?: LiteField; defaultValue?: unknown; entries?: Record<string, string>; values?: unknown[] };
  description?: string;
}

const primitive = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);

/** A field's zod-like description, or null when the recipe is not a plain flag shape. */
function liteField(recipe: Recipe, chainLength = recipe.chain.length): LiteField | null {
  if (chainLength === 0) {
    const [arg] = recipe.args;
    switch (recipe.ctor) {
      case "string":
      case "number":
      case "boolean":
        return recipe.args.length === 0 ? { def: { type: recipe.ctor } } : null;
      case "enum":
        return Array.isArray(arg) && arg.every((v) => typeof v === "string") && recipe.args.length === 1
          ? { def: { type: "enum", entries: Object.fromEntries(arg.map((v) => [v, v])) } }
          : null;
      case "literal": {
        const values = Array.isArray(arg) ? arg : [arg];
        return values.every(primitive) && recipe.args.length === 1 ? { def: { type: "literal", values } } : null;
      }
      default:
        return null;
    }
  }
  const [method, args] = recipe.chain[chainLength - 1] as Call;
  const inner = liteField(recipe, chainLength - 1);
  if (!inner) return null;
  switch (method) {
    case "describe":
      return typeof args[0] === "string" ? { def: inner.def, description: args[0] } : null;
    case "optional":
    case "nullable":
      return args.length === 0 ? { def: { type: method, innerType: inner } } : null;
    case "default":
      // Functions and objects: zod calls or copies them per parse; keep them off the lite path.
      return args.length === 1 && primitive(args[0]) ? { def: { type: "default", innerType: inner, defaultValue: args[0] } } : null;
    default:
      return null;
  }
}

/** The object recipe's fields, or null when the schema needs real zod. */
function liteShape(schema: unknown): Record<string, LiteField> | null {
  const recipe = recipeOf(schema);
  if (!recipe || recipe.chain.length > 0 || recipe.args.length !== 1) return null;
  if (recipe.ctor !== "object" && recipe.ctor !== "strictObject" && recipe.ctor !== "looseObject") return null;
  const shape = recipe.args[0];
  if (shape === null || typeof shape !== "object" || Object.getPrototypeOf(shape) !== Object.prototype) return null;
  const fields: Record<string, LiteField> = {};
  for (const [key, value] of Object.entries(shape)) {
    const fieldRecipe = recipeOf(value);
    const field = fieldRecipe && liteField(fieldRecipe);
    if (!field) return null;
    fields[key] = field;
  }
  return fields;
}

/** `{ key: field }` in zod's shape, for a recorded plain-flag object schema; else null. */
export const liteFields = (schema: unknown): Record<string, LiteField> | null => liteShape(schema);

const NO = Symbol("no");

function check(field: LiteField, value: unknown): unknown {
  const { def } = field;
  switch (def.type) {
    case "string":
      return typeof value === "string" ? value : NO;
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? value : NO;
    case "boolean":
      return typeof value === "boolean" ? value : NO;
    case "enum":
      return typeof value === "string" && Object.hasOwn(def.entries ?? {}, value) ? value : NO;
    case "literal":
      return def.values?.includes(value) ? value : NO;
    case "optional":
      return value === undefined ? undefined : check(def.innerType as LiteField, value);
    case "nullable":
      return value === null ? null : check(def.innerType as LiteField, value);
    case "default":
      return value === undefined ? def.defaultValue : check(def.innerType as LiteField, value);
    default:
      return NO;
  }
}

/**
 * Parses flag values with a recorded plain-flag schema: `{ data }` when they are valid,
 * undefined when zod must decide (another schema, or invalid values: zod words the error).
 */
export function liteParse(schema: unknown, values: Record<string, unknown>): { data: Record<string, unknown> } | undefined {
  const fields = liteShape(schema);
  if (!fields) return undefined;
  const recipe = recipeOf(schema) as Recipe;
  if (recipe.ctor === "strictObject" && Object.keys(values).some((k) => !Object.hasOwn(fields, k))) return undefined;
  const data: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    const out = check(field, values[key]);
    if (out === NO) return undefined;
    // zod leaves out an optional key that was missing, and keeps one given as undefined.
    if (out !== undefined || Object.hasOwn(values, key)) data[key] = out;
  }
  if (recipe.ctor === "looseObject") for (const [k, v] of Object.entries(values)) if (!Object.hasOwn(fields, k)) data[k] = v;
  return { data };
}
