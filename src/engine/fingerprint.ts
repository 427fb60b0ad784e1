/** Stable hashing of cache-key parts. */
import { CryptoHasher } from "bun";

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

export function hash(text: string): string {
  return new CryptoHasher("sha256").update(text).digest("hex").slice(0, 32);
}

export const hashValue = (value: unknown): string => hash(stableStringify(value));

/**
 * Identity of an output schema. zod schemas become JSON Schema (stable for the same
 * definition); anything else falls back to the source of its `parse` function.
 */
export function schemaIdentity(schema: unknown): string | null {
  if (schema === undefined || schema === null) return null;
  const s = schema as { toJSONSchema?: (o?: object) => unknown; parse?: unknown };
  if (typeof s.toJSONSchema === "function") {
    try {
      return hashValue(s.toJSONSchema({ unrepresentable: "any", io: "output" }));
    } catch {
      // fall through: transforms and the like cannot always be represented
    }
  }
  const def = (schema as { def?: unknown; _def?: unknown }).def ?? (schema as { _def?: unknown })._def;
  if (def !== undefined) return hash(describe(def, new Set()));
  return hash(String(s.parse));
}

/** A deterministic description of a schema definition, functions by their source. */
function describe(value: unknown, seen: Set<unknown>): string {
  if (typeof value === "function") return `fn:${value.toString()}`;
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? String(value);
  if (seen.has(value)) return "[cycle]";
  seen.add(value);
  if (Array.isArray(value)) return `[${value.map((v) => describe(v, seen)).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${k}:${describe((value as Record<string, unknown>)[k], seen)}`).join(",")}}`;
}
