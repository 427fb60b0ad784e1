/** Operation inputs: zod object fields become CLI flags. */
import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { type InputField, inputFields, kebab, validateInput } from "../../src/engine/operations/inputs.ts";
import { RigError } from "../../src/errors.ts";

describe("kebab", () => {
  const cases: [string, string][] = [
    ["name", "name"],
    ["dryRun", "dry-run"],
    ["maxRetryCount", "max-retry-count"],
    ["port8080Mode", "port8080-mode"],
    ["snake_case", "snake-case"],
    ["already-kebab", "already-kebab"],
    ["Upper", "upper"],
  ];
  test.each(cases)("%s → %s", (key, flag) => {
    expect(kebab(key)).toBe(flag);
  });
});

describe("inputFields", () => {
  const schema = z.object({
    name: z.string(),
    tag: z.string().optional(),
    count: z.number(),
    force: z.boolean().default(false),
    retries: z.number().default(3),
    mode: z.enum(["fast", "slow"]),
    branch: z.string().describe("Branch to check out"),
    note: z.string().describe("inner description").optional(),
    label: z.string().optional().describe("outer description"),
    dryRun: z.boolean().optional(),
    maybe: z.string().nullable(),
    level: z.literal(["low", "high"]),
    list: z.array(z.string()).optional(),
  });
  const fields = inputFields(schema);

  const expected: [string, InputField][] = [
    ["string", { key: "name", flag: "name", kind: "string", required: true }],
    ["optional string", { key: "tag", flag: "tag", kind: "string", required: false }],
    ["number", { key: "count", flag: "count", kind: "number", required: true }],
    ["boolean with default", { key: "force", flag: "force", kind: "boolean", required: false, default: false }],
    ["number with default", { key: "retries", flag: "retries", kind: "number", required: false, default: 3 }],
    ["enum", { key: "mode", flag: "mode", kind: "enum", required: true, choices: ["fast", "slow"] }],
    ["described", { key: "branch", flag: "branch", kind: "string", required: true, description: "Branch to check out" }],
    ["described, then optional", { key: "note", flag: "note", kind: "string", required: false, description: "inner description" }],
    ["optional, then described", { key: "label", flag: "label", kind: "string", required: false, description: "outer description" }],
    ["camelCase key", { key: "dryRun", flag: "dry-run", kind: "boolean", required: false }],
    ["nullable", { key: "maybe", flag: "maybe", kind: "string", required: false }],
    ["string literals", { key: "level", flag: "level", kind: "enum", required: true, choices: ["low", "high"] }],
    ["anything else is json", { key: "list", flag: "list", kind: "json", required: false }],
  ];
  test.each(expected)("%s", (_, field) => {
    expect(fields.find((f) => f.key === field.key)).toEqual(field);
  });

  test("fields keep the schema's key order", () => {
    expect(fields.map((f) => f.key)).toEqual(Object.keys(schema.shape));
  });

  test("a function default is evaluated", () => {
    expect(inputFields(z.object({ at: z.string().default(() => "now") }))).toEqual([
      { key: "at", flag: "at", kind: "string", required: false, default: "now" },
    ]);
  });

  test("a native enum lists its values", () => {
    const Color = { Red: "red", Blue: "blue" } as const;
    expect(inputFields(z.object({ color: z.enum(Color) }))[0]).toMatchObject({ kind: "enum", choices: ["red", "blue"] });
  });

  const shapeless: [string, unknown][] = [["undefined", undefined], ["null", null], ["a string schema", z.string()], ["a plain object", {}]];
  test.each(shapeless)("%s has no fields", (_, schema) => {
    expect(inputFields(schema)).toEqual([]);
  });
});

describe("validateInput", () => {
  const schema = z.object({
    name: z.string(),
    force: z.boolean().default(false),
    dryRun: z.boolean().optional(),
    mode: z.enum(["fast", "slow"]).default("fast"),
  });

  const ok: [string, Record<string, unknown>, unknown][] = [
    ["defaults applied", { name: "x" }, { name: "x", force: false, mode: "fast" }],
    ["values kept", { name: "x", force: true, dryRun: true, mode: "slow" }, { name: "x", force: true, dryRun: true, mode: "slow" }],
    ["unknown keys stripped", { name: "x", extra: 1 }, { name: "x", force: false, mode: "fast" }],
  ];
  test.each(ok)("%s", (_, values, expected) => {
    expect(validateInput(schema, values, "ws1/deploy")).toEqual(expected);
  });

  test("no schema → {}", () => {
    expect(validateInput(undefined, { a: 1 }, "op")).toEqual({});
    expect(validateInput(null, {}, "op")).toEqual({});
  });

  const failures: [string, Record<string, unknown>, RegExp][] = [
    ["missing required", {}, /^Invalid input for ws1\/deploy: --name: /],
    ["wrong type", { name: 1 }, /^Invalid input for ws1\/deploy: --name: .*expected string/],
    ["camelCase key named by its flag", { name: "x", dryRun: "yes" }, /^Invalid input for ws1\/deploy: --dry-run: .*expected boolean/],
    ["bad enum value", { name: "x", mode: "medium" }, /^Invalid input for ws1\/deploy: --mode: .*"fast"\|"slow"/],
  ];
  test.each(failures)("%s → INVALID_INPUT naming the flag", (_, values, message) => {
    let thrown: unknown;
    try {
      validateInput(schema, values, "ws1/deploy");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RigError);
    expect((thrown as RigError).code).toBe("INVALID_INPUT");
    expect((thrown as RigError).message).toMatch(message);
  });

  test("further issues go to the detail, one per flag", () => {
    const strict = z.object({ a: z.string(), bCount: z.number(), c: z.boolean() });
    try {
      validateInput(strict, {}, "op");
      throw new Error("expected a throw");
    } catch (error) {
      const rig = error as RigError;
      expect(rig.message).toStartWith("Invalid input for op: --a: ");
      expect(rig.detail).toHaveLength(2);
      expect(rig.detail[0]).toStartWith("--b-count: ");
      expect(rig.detail[1]).toStartWith("--c: ");
    }
  });

  test("an object-level issue names no flag", () => {
    const refined = z.object({ a: z.number(), b: z.number() }).refine((v) => v.a < v.b, "a must be below b");
    expect(() => validateInput(refined, { a: 2, b: 1 }, "op")).toThrow("Invalid input for op: a must be below b");
  });
});
