/** Stable hashing of cache-key parts. */
import { SHA256 } from "bun";

/** JSON with object keys sorted, so equal values always hash equally. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const keys = Object.keys(value).sort();
  const body = keys
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`);
  return `{${body.join(",")}}`;
}

/** sha256, hex, first 32 digits. The one-shot form: half the cost of a hasher object per call (3 per task). */
export function hash(text: string): string {
  return SHA256.hash(text, "hex").slice(0, 32);
}

export const hashValue = (value: unknown): string => hash(stableStringify(value));

/**
 * A task's definition hash: `hashValue(definition)` spelled out, since its three fields are
 * a hex hash and strings or null (a test keeps the two equal). A compile does this once per
 * task, and the generic walk cost more than the hashing.
 */
export const definitionHash = (d: { handler: string; version: string | null; output: string | null }): string =>
  hash(`{"handler":"${d.handler}","output":${d.output === null ? "null" : `"${d.output}"`},"version":${d.version === null ? "null" : JSON.stringify(d.version)}}`);

/**
 * Identity of an output schema: its definition, walked deterministically, with
 * refinements and transforms by their source. (JSON Schema would lose both.) Anything
 * that is not a zod schema falls back to the source of its `parse` function.
 */
export function schemaIdentity(schema: unknown): string | null {
  if (schema === undefined || schema === null) return null;
  const s = schema as { def?: unknown; _def?: unknown; parse?: unknown };
  const def = s.def ?? s._def;
  if (def === undefined) return hash(String(s.parse));
  // JSON Schema adds what lives outside the definition (descriptions in zod's registry).
  let json = "";
  const toJSONSchema = (schema as { toJSONSchema?: (o: object) => unknown }).toJSONSchema;
  if (typeof toJSONSchema === "function") {
    try {
      json = stableStringify(toJSONSchema.call(schema, { unrepresentable: "any", io: "input" }));
    } catch {
      // cycles and the like: the definition alone still identifies the schema
    }
  }
  return hash(`${describe(def, new Set())}\u0000${json}`);
}

/** A deterministic description of a schema definition, functions by their source. */
function describe(value: unknown, seen: Set<unknown>): string {
  if (typeof value === "function") return `fn:${value.toString()}`;
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? String(value);
  if (seen.has(value)) return "[cycle]";
  seen.add(value);
  // zod 4 keeps a schema's or check's definition on a non-enumerable `_zod`.
  const inner = (value as { _zod?: { def?: unknown } })._zod;
  if (inner?.def !== undefined) return `zod:${describe(inner.def, seen)}`;
  if (Array.isArray(value)) return `[${value.map((v) => describe(v, seen)).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${k}:${describe((value as Record<string, unknown>)[k], seen)}`).join(",")}}`;
}
