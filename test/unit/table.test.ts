/**
 * The command table (src/commands/) is the one declaration of the command surface: these
 * tests check that what used to be written out by hand in several places is derived from
 * it, and that the two drift bugs it ended stay impossible.
 */
import { describe, expect, test } from "bun:test";
import { BUILTIN_COMMANDS, COMMANDS, GLOBAL_OPTIONS, RESERVED_INPUT_FLAGS, RESERVED_WORKSPACE_OPERATIONS, VALUE_FLAGS } from "../../src/commands/index.ts";
import { DEFAULT_LOCK_TIMEOUT, DEFAULT_LOG_LIMIT } from "../../src/commands/defaults.ts";
import { type CommandSpec, flagNames, longFlag, takesValue } from "../../src/commands/spec.ts";
import { commandFirst, commandIndex, readGlobals } from "../../src/cli/argv.ts";
import { COMMAND_SPECS } from "../../src/cli/complete.ts";
import { lanes } from "../../src/cli/fastlane.ts";
import { buildProgram } from "../../src/cli/program.ts";
import { parseDuration } from "../../src/engine/duration.ts";
import { DEFAULT_LOCK_TIMEOUT_MS, parseLimit, parseLockTimeout } from "../../src/engine/options.ts";
import { RESERVED_COMMANDS } from "../../src/engine/graph/compile.ts";

const program = () => buildProgram({ globals: { json: false }, signal: new AbortController().signal });
const all = COMMANDS as readonly CommandSpec[];

describe("derived from the table", () => {
  test("commander has exactly the table's commands, aliases, arguments and options", () => {
    const commands = program().commands;
    expect(commands.map((c) => c.name())).toEqual(all.filter((c) => !c.builtIn).map((c) => c.name));
    for (const spec of all.filter((c) => !c.builtIn)) {
      const command = commands.find((c) => c.name() === spec.name);
      expect(command?.aliases()).toEqual([...(spec.aliases ?? [])]);
      expect(command?.registeredArguments.length).toBe(spec.args?.length ?? 0);
      const own = command?.options.filter((o) => !GLOBAL_OPTIONS.some((g) => longFlag(g) === o.long)).map((o) => o.flags);
      expect(own).toEqual((spec.options ?? []).map((o) => o.flags));
    }
  });

  test("every word the argv scanner treats as a command is a command or alias, and reserved for workflow operations", () => {
    expect([...BUILTIN_COMMANDS].sort()).toEqual(all.flatMap((c) => [c.name, ...(c.aliases ?? [])]).sort());
    expect(RESERVED_COMMANDS).toEqual(BUILTIN_COMMANDS);
  });

  test("workspace operations may shadow only the access commands", () => {
    expect(BUILTIN_COMMANDS.filter((c) => !RESERVED_WORKSPACE_OPERATIONS.includes(c)).sort()).toEqual(["code", "diff", "exec", "forward", "mcp", "merge", "renew", "serve", "shell"]);
  });

  test("the scanner skips the value of every option that takes one, global or not", () => {
    for (const spec of [...GLOBAL_OPTIONS, ...all.flatMap((c) => c.options ?? [])]) {
      for (const flag of flagNames(spec)) expect(VALUE_FLAGS.has(flag)).toBe(takesValue(spec));
    }
  });

  test("the fast lane takes only commands the table marks, with their declared options", () => {
    expect(Object.keys(lanes).sort()).toEqual(all.filter((c) => c.fastLane).map((c) => c.name).sort());
    for (const [name, lane] of Object.entries(lanes)) {
      const spec = all.find((c) => c.name === name) as CommandSpec;
      expect(Object.keys(lane.options).sort()).toEqual([...GLOBAL_OPTIONS, ...(spec.options ?? [])].flatMap(flagNames).sort());
    }
  });

  test("completion knows each command and alias with its declared flags", () => {
    expect(Object.keys(COMMAND_SPECS).sort()).toEqual([...BUILTIN_COMMANDS].sort());
    for (const spec of all) expect(COMMAND_SPECS[spec.name]?.flags).toEqual((spec.options ?? []).map(longFlag));
  });

  test("defaults are stated once: help shows the ones the engine applies", () => {
    expect(parseDuration(DEFAULT_LOCK_TIMEOUT)).toBe(DEFAULT_LOCK_TIMEOUT_MS);
    expect(parseLockTimeout(undefined)).toBe(DEFAULT_LOCK_TIMEOUT_MS);
    expect(parseLimit(undefined)).toBe(DEFAULT_LOG_LIMIT);
    const log = program().commands.find((c) => c.name() === "log");
    expect(log?.options.find((o) => o.long === "--limit")?.defaultValue).toBe(String(DEFAULT_LOG_LIMIT));
    expect(log?.options.find((o) => o.long === "--lock-timeout")?.defaultValue).toBe(DEFAULT_LOCK_TIMEOUT);
  });
});

describe("the drift bugs", () => {
  test("an option before the command word does not make its value the command (rig --concurrency 4 create ws1)", () => {
    const argv = ["--concurrency", "4", "create", "ws1"];
    expect(commandIndex(argv)).toBe(2);
    expect(commandFirst(argv)).toEqual(["create", "--concurrency", "4", "ws1"]);
    expect(commandFirst(["--json", "-n", "3", "log"])).toEqual(["log", "--json", "-n", "3"]);
    // rig's own help before a command stays rig's help.
    expect(commandFirst(["--help", "create"])).toEqual(["--help", "create"]);
  });

  test("every global option is reserved for operation inputs (an input lockTimeout cannot take over --lock-timeout)", () => {
    for (const option of GLOBAL_OPTIONS) expect(RESERVED_INPUT_FLAGS).toContain(longFlag(option).slice(2));
    expect(RESERVED_INPUT_FLAGS).toEqual(expect.arrayContaining(["lock-timeout", "chdir", "json", "workflow", "help", "version"]));
  });

  test("readGlobals reads every global option that takes a value", () => {
    const globals = readGlobals(["--chdir", "d", "--config=c", "--state", "s", "--lock-timeout", "0", "--workflow", "w", "--json"]);
    expect(globals).toEqual({ chdir: "d", config: "c", state: "s", lockTimeout: "0", workflow: "w", json: true });
  });
});
