/** Stable hashing of cache-key parts. */
import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { definitionHash, hash, hashValue, schemaIdentity, stableStringify } from "../../src/engine/graph/fingerprint.ts";

describe("stableStringify", () => {
  const cases: [string, unknown, string][] = [
    ["null", null, "null"],
    ["undefined", undefined, "null"],
    ["number", 1.5, "1.5"],
    ["string", 'a"b', '"a\\"b"'],
    ["boolean", true, "true"],
    ["empty object", {}, "{}"],
    ["empty array", [], "[]"],
    ["sorted keys", { b: 1, a: 2 }, '{"a":2,"b":1}'],
    ["nested keys sorted", { z: { y: 1, x: 2 }, a: [{ d: 1, c: 2 }] }, '{"a":[{"c":2,"d":1}],"z":{"x":2,"y":1}}'],
    ["undefined properties dropped", { a: 1, b: undefined, c: { d: undefined } }, '{"a":1,"c":{}}'],
    ["arrays keep order", [3, 1, 2], "[3,1,2]"],
    ["undefined in arrays becomes null", [1, undefined], "[1,null]"],
    ["null properties kept", { a: null }, '{"a":null}'],
    ["quoted keys", { "a\"b": 1 }, '{"a\\"b":1}'],
  ];
  test.each(cases)("%s", (_, value, expected) => {
    expect(stableStringify(value)).toBe(expected);
  });

  const equal: [string, unknown, unknown][] = [
    ["key order", { a: 1, b: 2 }, { b: 2, a: 1 }],
    ["nested key order", { o: { x: 1, y: [1, { p: 1, q: 2 }] } }, { o: { y: [1, { q: 2, p: 1 }], x: 1 } }],
    ["undefined property vs missing", { a: 1, b: undefined }, { a: 1 }],
  ];
  test.each(equal)("independent of %s", (_, a, b) => {
    expect(stableStringify(a)).toBe(stableStringify(b));
    expect(hashValue(a)).toBe(hashValue(b));
  });

  const different: [string, unknown, unknown][] = [
    ["array order", [1, 2], [2, 1]],
    ["null vs missing", { a: null }, {}],
    ["string vs number", { a: "1" }, { a: 1 }],
    ["nested value", { a: { b: 1 } }, { a: { b: 2 } }],
  ];
  test.each(different)("sensitive to %s", (_, a, b) => {
    expect(stableStringify(a)).not.toBe(stableStringify(b));
    expect(hashValue(a)).not.toBe(hashValue(b));
  });

  test("is valid JSON that parses back to the value", () => {
    const value = { b: [1, "x", null, { d: true, c: -2.5 }], a: { "": 0 } };
    expect(JSON.parse(stableStringify(value))).toEqual(value);
  });
});

describe("hash", () => {
  const known: [string, string][] = [
    // first 32 hex characters of SHA-256
    ["", "e3b0c44298fc1c149afbf4c8996fb924"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223"],
  ];
  test.each(known)("%j → %s", (text, expected) => {
    expect(hash(text)).toBe(expected);
  });

  test.each(["", "a", "hello world", "ünïcødé", "x".repeat(10_000)])("%j is 32 lowercase hex chars and stable", (text) => {
    expect(hash(text)).toMatch(/^[0-9a-f]{32}$/);
    expect(hash(text)).toBe(hash(text));
  });

  test("different text, different hash", () => {
    expect(hash("a")).not.toBe(hash("b"));
    expect(hash("a")).not.toBe(hash("a "));
  });

  test("hashValue is hash of stableStringify", () => {
    const value = { b: 1, a: [true] };
    expect(hashValue(value)).toBe(hash('{"a":[true],"b":1}'));
  });

  test("definitionHash is hashValue of the definition (task hashes of earlier runs stay valid)", () => {
    const handler = hash("async () => {}");
    for (const version of [null, "2", 'a "quoted"\\ver\u00e9']) {
      for (const output of [null, hash("schema")]) {
        expect(definitionHash({ handler, version, output })).toBe(hashValue({ handler, version, output }));
      }
    }
  });
});

describe("schemaIdentity", () => {
  test.each([undefined, null])("%p → null", (value) => {
    expect(schemaIdentity(value)).toBeNull();
  });

  const same: [string, () => unknown][] = [
    ["string", () => z.string()],
    ["object", () => z.object({ a: z.string(), b: z.number().optional() })],
    ["nested object", () => z.object({ repo: z.object({ url: z.string(), depth: z.number().int() }), tags: z.array(z.string()) })],
    ["enum", () => z.enum(["a", "b"])],
    ["described", () => z.object({ a: z.string().describe("the a") })],
    ["transform", () => z.object({ n: z.string().transform((s) => s.length) })],
    ["refinement", () => z.string().refine((s) => s.length > 1)],
  ];
  test.each(same)("two separately built %s schemas share an identity", (_, build) => {
    const a = schemaIdentity(build());
    const b = schemaIdentity(build());
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).toBe(b);
  });

  const different: [string, unknown, unknown][] = [
    ["string vs number", z.string(), z.number()],
    ["different keys", z.object({ a: z.string() }), z.object({ b: z.string() })],
    ["different field type", z.object({ a: z.string() }), z.object({ a: z.number() })],
    ["optional vs required", z.object({ a: z.string() }), z.object({ a: z.string().optional() })],
    ["different constraint", z.string().min(3), z.string().min(4)],
    ["different enum", z.enum(["a", "b"]), z.enum(["a", "c"])],
    ["different description", z.string().describe("x"), z.string().describe("y")],
    ["array vs element", z.array(z.string()), z.string()],
    // Not representable in JSON Schema: the identity must still tell them apart (a changed
    // refinement or transform must invalidate cached outputs).
    ["different refinements", z.string().refine((s) => s.length > 1), z.string().refine((s) => s.length > 5)],
    ["different transforms", z.string().transform((s) => s.length), z.string().transform((s) => s.toUpperCase())],
    ["transforms of different inputs", z.string().transform((s) => s), z.number().transform((n) => n)],
  ];
  test.each(different)("%s → different identities", (_, a, b) => {
    expect(schemaIdentity(a)).not.toBe(schemaIdentity(b));
  });

  test("non-zod schemas fall back to the source of parse", () => {
    const a = { parse: (value: unknown) => value, safeParse: () => ({ success: true }) };
    const b = { parse: (value: unknown) => value, safeParse: () => ({ success: false }) };
    const c = { parse: (value: unknown) => ({ value }) };
    expect(schemaIdentity(a)).toMatch(/^[0-9a-f]{32}$/);
    expect(schemaIdentity(a)).toBe(schemaIdentity(b));
    expect(schemaIdentity(a)).not.toBe(schemaIdentity(c));
  });
});

test("a cache key's plain JSON equals its stable form, so recorded keys stay valid", () => {
  const parts = ["wf", "a/b", "b", "h1", "h2", "h3", ["run1", null, "out:x"]];
  expect(JSON.stringify(parts)).toBe(stableStringify(parts));
});
