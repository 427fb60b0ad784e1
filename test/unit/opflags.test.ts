import { expect, test } from "bun:test";
import { plainFlags } from "../../src/cli/commands/workspaces/operation.ts";
import type { InputField } from "../../src/engine/operations/inputs.ts";

const fields: InputField[] = [
  { key: "command", flag: "command", kind: "string", required: true },
  { key: "count", flag: "count", kind: "number", required: false },
  { key: "dryRun", flag: "dry-run", kind: "boolean", required: false },
  { key: "level", flag: "level", kind: "enum", required: false, choices: ["a", "b"], default: "a" },
  { key: "extra", flag: "extra", kind: "json", required: false },
];

test("plain flags are read without commander, defaults applied", () => {
  expect(plainFlags(["--command", "true"], fields)).toEqual({ command: "true", level: "a" });
  expect(plainFlags(["--command=a b", "--count", "3", "--dry-run", "--level=b", "--json", "--chdir", "x"], fields)).toEqual({
    command: "a b",
    count: 3,
    dryRun: true,
    level: "b",
  });
  expect(plainFlags(["--no-dry-run", "--extra", '{"a":1}', "--workflow=w"], fields)).toEqual({ dryRun: false, extra: { a: 1 }, level: "a" });
  expect(plainFlags([], [])).toEqual({});
});

test("anything unusual is left to commander (null)", () => {
  for (const args of [
    ["--help"],
    ["-h"],
    ["--nope", "x"],
    ["positional"],
    ["--command"],
    ["--command", "--count"],
    ["--count", "x"],
    ["--level", "c"],
    ["--dry-run=yes"],
    ["--command", "a", "--command", "b"],
    ["--dry-run", "--no-dry-run"],
    ["--no-command", "x"],
    ["--json=1"],
    ["--", "x"],
  ]) {
    expect(plainFlags(args, fields)).toBeNull();
  }
});
