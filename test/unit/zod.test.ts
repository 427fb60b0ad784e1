import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { z as real } from "zod";
import { inputFields, validateInput } from "../../src/engine/operations/inputs.ts";
import { liteParse, recipeOf, z } from "../../src/sdk/zod.ts";

const ROOT = join(import.meta.dir, "..", "..");

/** The same schema built from the recording `z` and from zod itself. */
const both = <T>(build: (zz: typeof real) => T): [T, T] => [build(z), build(real)];

const flagSchemas: Record<string, (zz: typeof real) => real.ZodType> = {
  plain: (zz: typeof real) => zz.object({ command: zz.string(), count: zz.number(), force: zz.boolean() }),
  wrapped: (zz: typeof real) =>
    zz.object({
      level: zz.enum(["a", "b"]).default("a"),
      note: zz.string().describe("a note").optional(),
      mode: zz.literal("x").nullable(),
      described: zz.number().optional().describe("after optional"),
    }),
  strict: (zz: typeof real) => zz.strictObject({ name: zz.string() }),
};

const inputs: Record<string, unknown>[] = [
  {},
  { command: "true", count: 3, force: false },
  { command: 1 },
  { count: Number.POSITIVE_INFINITY, command: "x", force: true },
  { level: "b", mode: null },
  { level: "c", mode: "x" },
  { mode: "x", note: "n", described: 2 },
  { mode: "x", note: undefined },
  { name: "n" },
  { name: "n", extra: 1 },
];

describe("recorded zod schemas", () => {
  test("building schemas does not load zod; parsing plain flags does not either", () => {
    const script = `
      const { z } = await import(${JSON.stringify(join(ROOT, "src/sdk/zod.ts"))});
      const { validateInput, inputFields } = await import(${JSON.stringify(join(ROOT, "src/engine/operations/inputs.ts"))});
      const s = z.object({ command: z.string(), level: z.enum(["a", "b"]).default("a").describe("lvl") });
      inputFields(s);
      const out = validateInput(s, { command: "true" }, "op");
      const loaded = Object.keys(require.cache).some((k) => k.includes("/node_modules/zod/"));
      console.log(JSON.stringify({ out, loaded }));`;
    const r = Bun.spawnSync([process.execPath, "-e", script], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    expect(r.stderr.toString()).toBe("");
    expect(JSON.parse(r.stdout.toString())).toEqual({ out: { command: "true", level: "a" }, loaded: false });
  });

  for (const [name, build] of Object.entries(flagSchemas)) {
    test(`${name}: same fields and same parse results as zod`, () => {
      const [lazy, direct] = both(build);
      expect(recipeOf(lazy)).toBeDefined();
      expect(inputFields(lazy)).toEqual(inputFields(direct));
      for (const input of inputs) {
        const expected = direct.safeParse(input);
        const lite = liteParse(lazy, input);
        if (lite) expect(expected).toEqual({ success: true, data: lite.data } as never);
        expect(lazy.safeParse(input)).toEqual(expected);
        const attempt = (s: unknown) => {
          try {
            return { ok: validateInput(s, input, "op") };
          } catch (error) {
            return { error: (error as Error).message };
          }
        };
        expect(attempt(lazy)).toEqual(attempt(direct));
      }
    });
  }

  test("the lite path declines what it does not know, and zod decides", () => {
    const s = z.object({ n: z.number().min(3), list: z.array(z.string()) });
    expect(liteParse(s, { n: 5, list: [] })).toBeUndefined();
    expect(s.parse({ n: 5, list: ["a"] })).toEqual({ n: 5, list: ["a"] });
    expect(s.safeParse({ n: 1, list: [] }).success).toBe(false);
    expect(liteParse(z.object({ d: z.string().default(() => "x") }), {})).toBeUndefined();
  });

  test("a recorded schema behaves like zod's: instanceof, shape, methods, output schemas", () => {
    const s = z.object({ a: z.string() }).describe("obj");
    expect(s instanceof real.ZodObject).toBe(true);
    expect(s instanceof z.ZodType).toBe(true);
    expect(Object.keys(s.shape)).toEqual(["a"]);
    expect(s.description).toBe("obj");
    expect(s.extend({ b: z.number() }).parse({ a: "x", b: 1 })).toEqual({ a: "x", b: 1 });
    expect(z.union([z.string(), z.number()]).parse(2)).toBe(2);
    expect(real.toJSONSchema(z.string() as never)).toEqual(real.toJSONSchema(real.string()));
  });
});

test("recorded schemas given to real zod methods are realized", () => {
  const s = z.string().or(z.number());
  expect(s.parse(1)).toBe(1);
  expect(z.object({ a: z.string() }).extend({ b: z.number().optional() }).parse({ a: "x" })).toEqual({ a: "x" });
  expect(z.array(z.object({ n: z.number().default(1) })).parse([{}])).toEqual([{ n: 1 }]);
});
