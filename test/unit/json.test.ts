/** Contexts, metadata and results must be plain JSON (README "The config"). */
import { describe, expect, test } from "bun:test";
import { findNonJson, isPlainObject } from "../../src/engine/json.ts";

describe("findNonJson: plain JSON", () => {
  const shared = { x: 1 };
  const cases: [string, unknown][] = [
    ["null", null],
    ["string", "s"],
    ["empty string", ""],
    ["true", true],
    ["false", false],
    ["zero", 0],
    ["negative zero", -0],
    ["float", 1.5],
    ["max value", Number.MAX_VALUE],
    ["empty object", {}],
    ["empty array", []],
    ["nested", { a: { b: [1, "two", null, { c: false }] } }],
    ["array of objects", [{ a: 1 }, { b: [2] }]],
    ["null-prototype object", Object.assign(Object.create(null), { a: 1 })],
    ["a shared object referenced twice", { a: shared, b: shared, c: [shared, shared] }],
    ["a shared array referenced twice", (() => { const list = [1]; return { a: list, b: { c: list } }; })()],
    ["odd keys", { "a-b": 1, "": 2, "1x": 3, "$ok": 4 }],
  ];
  test.each(cases)("%s → null", (_, value) => {
    expect(findNonJson(value)).toBeNull();
  });
});

describe("findNonJson: problems name the path", () => {
  const cyclic: Record<string, unknown> = { a: { b: {} } };
  (cyclic.a as Record<string, Record<string, unknown>>).b!.c = cyclic;
  const selfArray: unknown[] = [1];
  selfArray.push(selfArray);

  const cases: [string, unknown, string][] = [
    ["top-level undefined", undefined, "ctx is undefined"],
    ["top-level function", () => 1, "ctx is a function"],
    ["function in an object", { a: { b: () => 1 } }, "ctx.a.b is a function"],
    ["undefined in an object", { a: { b: undefined } }, "ctx.a.b is undefined"],
    ["undefined in an array", [1, undefined], "ctx[1] is undefined"],
    ["hole in an array", [1, , 3], "ctx[1] is undefined"],
    ["NaN", { n: Number.NaN }, "ctx.n is NaN (not a finite number)"],
    ["Infinity", { n: Number.POSITIVE_INFINITY }, "ctx.n is Infinity (not a finite number)"],
    ["-Infinity", [Number.NEGATIVE_INFINITY], "ctx[0] is -Infinity (not a finite number)"],
    ["bigint", { big: 10n }, "ctx.big is a bigint"],
    ["symbol", { s: Symbol("x") }, "ctx.s is a symbol"],
    ["Date", { when: new Date(0) }, "ctx.when is a Date instance, not a plain object"],
    ["Map", { m: new Map() }, "ctx.m is a Map instance, not a plain object"],
    ["Set", [new Set()], "ctx[0] is a Set instance, not a plain object"],
    ["class instance", { p: new (class Point { x = 1 })() }, "ctx.p is a Point instance, not a plain object"],
    ["boxed string", { s: new String("x") }, "ctx.s is a String instance, not a plain object"],
    ["array index then key", { list: [{ ok: 1 }, { f() {} }] }, "ctx.list[1].f is a function"],
    ["non-identifier key", { "a-b": undefined }, 'ctx["a-b"] is undefined'],
    ["empty key", { "": Number.NaN }, 'ctx[""] is NaN (not a finite number)'],
    ["cycle through objects", cyclic, "ctx.a.b.c is a cycle"],
    ["array containing itself", selfArray, "ctx[1] is a cycle"],
    ["first problem wins", { a: 1, b: undefined, c: () => 1 }, "ctx.b is undefined"],
  ];
  test.each(cases)("%s", (_, value, expected) => {
    expect(findNonJson(value)).toBe(expected);
  });

  test("the root path can be named", () => {
    expect(findNonJson({ a: [Number.NaN] }, "config")).toBe("config.a[0] is NaN (not a finite number)");
  });

  test("an instance of an anonymous class still reads as a sentence", () => {
    // The `?? "class"` fallback is meant for nameless constructors; an anonymous class's name is "".
    const message = findNonJson({ x: new (class {})() });
    expect(message).toBe("ctx.x is a class instance, not a plain object");
  });

  test("the seen set is left empty, so the same set can be reused", () => {
    const seen = new Set<object>();
    const shared = { a: 1 };
    expect(findNonJson({ x: shared, y: [shared] }, "ctx", seen)).toBeNull();
    expect(seen.size).toBe(0);
    expect(findNonJson({ x: { bad: undefined } }, "ctx", seen)).toBe("ctx.x.bad is undefined");
    expect(seen.size).toBe(0);
  });
});

describe("isPlainObject", () => {
  const cases: [string, unknown, boolean][] = [
    ["object literal", { a: 1 }, true],
    ["empty object", {}, true],
    ["null prototype", Object.create(null), true],
    ["null", null, false],
    ["undefined", undefined, false],
    ["array", [], false],
    ["string", "x", false],
    ["number", 1, false],
    ["function", () => ({}), false],
    ["Date", new Date(), false],
    ["Map", new Map(), false],
    ["class instance", new (class A {})(), false],
    ["object with a plain-object prototype", Object.create({}), false],
  ];
  for (const [label, value, expected] of cases) {
    test(`${label} → ${expected}`, () => {
      expect(isPlainObject(value)).toBe(expected);
    });
  }
});
