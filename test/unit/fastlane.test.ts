/** The fast lane: a strict parser that hands anything unusual to commander, and agrees with it. */
import { expect, test } from "bun:test";
import { lanes, parseLane } from "../../src/cli/fastlane.ts";
import { buildProgram } from "../../src/cli/program.ts";

const cases: [string, string[], ReturnType<typeof parseLane>][] = [
  ["nothing", [], { values: {}, positionals: [] }],
  ["a boolean", ["--json"], { values: { json: true }, positionals: [] }],
  ["a value after", ["--workflow", "app"], { values: { workflow: "app" }, positionals: [] }],
  ["a value inline", ["--workflow=app"], { values: { workflow: "app" }, positionals: [] }],
  ["an empty inline value", ["--workflow="], { values: { workflow: "" }, positionals: [] }],
  ["globals", ["--chdir", "x", "--lock-timeout", "0", "--json"], { values: { chdir: "x", lockTimeout: "0", json: true }, positionals: [] }],
  ["camel names", ["--dry-run"], { values: { dryRun: true }, positionals: [] }],
  ["unknown flag → commander", ["--frob"], null],
  ["help → commander", ["--help"], null],
  ["-- → commander", ["--", "x"], null],
  ["missing value → commander", ["--workflow"], null],
  ["flag as value → commander", ["--workflow", "--json"], null],
  ["boolean with a value → commander", ["--json=1"], null],
  ["a positional where none is allowed → commander", ["extra"], null],
];
test.each(cases)("apply: %s", (_, args, expected) => {
  expect(parseLane(args, lanes.apply as never)).toEqual(expected);
});

test("ls takes one positional, log takes -n", () => {
  expect(parseLane(["config", "--json"], lanes.ls as never)).toEqual({ values: { json: true }, positionals: ["config"] });
  expect(parseLane(["a", "b"], lanes.ls as never)).toBeNull();
  expect(parseLane(["-n", "3"], lanes.log as never)).toEqual({ values: { limit: "3" }, positionals: [] });
});

test("create and rm take their names as one list", () => {
  expect(parseLane(["a", "b", "--yes", "-y"], lanes.rm as never)).toEqual({ values: { yes: true }, positionals: ["a", "b"] });
  expect(parseLane(["--all", "--force", "--workflow", "w"], lanes.rm as never)).toEqual({ values: { all: true, force: true, workflow: "w" }, positionals: [] });
  expect(parseLane(["--from", "x", "a"], lanes.create as never)).toEqual({ values: { from: "x" }, positionals: ["a"] });
  // A value outside an option's choices is commander's to report.
  expect(parseLane(["--on-expiry", "later", "a"], lanes.create as never)).toBeNull();
  expect(parseLane(["--on-expiry=stop", "a"], lanes.create as never)).toEqual({ values: { onExpiry: "stop" }, positionals: ["a"] });
});

test("every fast-lane option is one commander defines, with the same kind and name", () => {
  const program = buildProgram({ globals: { json: false }, signal: new AbortController().signal });
  for (const [name, lane] of Object.entries(lanes)) {
    const command = program.commands.find((c) => c.name() === name);
    expect(command, name).toBeDefined();
    for (const [flag, spec] of Object.entries(lane.options)) {
      const defined = command?.options.find((o) => o.long === flag || o.short === flag);
      expect(defined, `${name} ${flag}`).toBeDefined();
      expect(defined?.required || defined?.optional ? "string" : "boolean").toBe(spec.type);
      expect(defined?.attributeName()).toBe(spec.name);
    }
    if (lane.variadic) expect(command?.registeredArguments.map((a) => a.variadic)).toEqual([true]);
    else expect(command?.registeredArguments.length).toBe(lane.positionals);
  }
});
