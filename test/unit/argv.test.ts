/** Pure argv helpers: command word, global options, operation rewrites, operation tokens. */
import { describe, expect, test } from "bun:test";
import { BUILTIN_COMMANDS, commandIndex, parseOperationToken, readGlobals, rewrite } from "../../src/cli/argv.ts";
import { RESERVED_COMMANDS } from "../../src/engine/graph/compile.ts";

describe("commandIndex", () => {
  const cases: [string[], number][] = [
    [[], -1],
    [["ls"], 0],
    [["ls", "--json"], 0],
    [["--json", "ls"], 1],
    [["--chdir", "dir", "ls"], 2],
    [["--config", "rig.ts", "--state", "s.db", "plan"], 4],
    [["--workflow", "main", "apply"], 2],
    [["--template", "basic", "init"], 2],
    [["--lock-timeout", "5s", "apply"], 2],
    [["--chdir=dir", "ls"], 1],
    [["--json", "--chdir", "dir"], -1],
    [["--chdir"], -1],
    [["--", "ls"], -1],
    [["--json", "--", "ls"], -1],
    [["-"], 0],
    [["-v", "ls"], 1],
    [["ws1/test", "--x"], 0],
    [["--verbose", "ws1/test"], 1],
  ];
  test.each(cases)("%j → %d", (argv, expected) => {
    expect(commandIndex(argv)).toBe(expected);
  });
});

describe("readGlobals", () => {
  const cases: [string[], ReturnType<typeof readGlobals>][] = [
    [[], { json: false }],
    [["ls"], { json: false }],
    [["ls", "--json"], { json: true }],
    [["--json", "ls"], { json: true }],
    [["--chdir", "dir", "ls"], { json: false, chdir: "dir" }],
    [["--chdir=dir", "ls"], { json: false, chdir: "dir" }],
    [["--chdir=a=b", "ls"], { json: false, chdir: "a=b" }],
    [["--config", "x.ts", "--state=s.db", "--workflow", "main", "plan"], { json: false, config: "x.ts", state: "s.db", workflow: "main" }],
    // options may appear after the command too
    [["plan", "--workflow", "main", "--json"], { json: true, workflow: "main" }],
    // last one wins, like commander
    [["--chdir", "a", "--chdir", "b"], { json: false, chdir: "b" }],
    [["--chdir=a", "--chdir", "b", "--chdir=c"], { json: false, chdir: "c" }],
    // the value of an option is consumed, never read as an option itself
    [["--chdir", "--json"], { json: false, chdir: "--json" }],
    // a trailing option without a value sets nothing
    [["ls", "--chdir"], { json: false }],
    // `--` stops scanning
    [["ws1/exec", "--", "--json", "--chdir", "x"], { json: false }],
    [["--json", "--", "--chdir", "x"], { json: true }],
    // options that are not globals are ignored
    [["init", "--template", "basic"], { json: false }],
  ];
  test.each(cases)("%j", (argv, expected) => {
    expect(readGlobals(argv)).toEqual(expected);
  });
});

describe("rewrite", () => {
  const cases: [string[], string[]][] = [
    [[], []],
    [["ls"], ["ls"]],
    [["--json"], ["--json"]],
    // run <ws> <op> … → <ws>/<op> …
    [["run", "ws1", "test", "--x"], ["ws1/test", "--x"]],
    [["run", "ws1", "test"], ["ws1/test"]],
    [["run", "ws1", "test", "a", "b"], ["ws1/test", "a", "b"]],
    [["run", "ws1", "test", "--", "--x"], ["ws1/test", "--", "--x"]],
    [["--chdir", "dir", "run", "ws1", "test", "--x"], ["--chdir", "dir", "ws1/test", "--x"]],
    [["--chdir=dir", "run", "ws1", "test"], ["--chdir=dir", "ws1/test"]],
    [["run", "--json", "ws1", "test"], ["ws1/test", "--json"]],
    [["run", "ws1", "--workflow", "main", "test"], ["ws1/test", "--workflow", "main"]],
    // incomplete `run` forms are left for commander to report
    [["run"], ["run"]],
    [["run", "ws1"], ["ws1"]], // lists the workspace's operations, like `rig ws1`
    [["run", "ws1", "--", "test"], ["run", "ws1", "--", "test"]],
    [["run", "--", "ws1", "test"], ["run", "--", "ws1", "test"]],
    [["run", "ws1/test"], ["run", "ws1/test"]],
    // <ws>/remove … → rm <ws> …
    [["ws1/remove", "--yes"], ["rm", "ws1", "--yes"]],
    [["ws1/remove"], ["rm", "ws1"]],
    [["--json", "ws1/remove", "--yes"], ["--json", "rm", "ws1", "--yes"]],
    [["--chdir", "dir", "ws1/remove"], ["--chdir", "dir", "rm", "ws1"]],
    // both rewrites chain
    [["run", "ws1", "remove", "--yes"], ["rm", "ws1", "--yes"]],
    // not the remove form
    [["ws1/test", "--x"], ["ws1/test", "--x"]],
    [["/remove"], ["/remove"]],
    [["ws1/removed"], ["ws1/removed"]],
    [["ws1/remove/x"], ["ws1/remove/x"]],
    [["ls", "ws1/remove"], ["ls", "ws1/remove"]],
    [["--", "ws1/remove"], ["--", "ws1/remove"]],
    // the value of a global option is not the command word
    [["--workflow", "ws1/remove", "ls"], ["--workflow", "ws1/remove", "ls"]],
    [["--chdir", "run", "ls"], ["--chdir", "run", "ls"]],
  ];
  test.each(cases)("%j → %j", (argv, expected) => {
    expect(rewrite(argv)).toEqual(expected);
  });

  test("does not mutate its input", () => {
    const argv = Object.freeze(["run", "ws1", "test", "--x"]);
    expect(rewrite(argv)).toEqual(["ws1/test", "--x"]);
    expect(argv).toEqual(["run", "ws1", "test", "--x"]);
  });
});

describe("parseOperationToken", () => {
  const cases: [string, ReturnType<typeof parseOperationToken>][] = [
    ["ws1/test", { workspace: "ws1", operation: "test" }],
    ["doctor-db", { operation: "doctor-db" }],
    ["a.b_c-d/op-1", { workspace: "a.b_c-d", operation: "op-1" }],
  ];
  test.each(cases)("%s", (token, expected) => {
    expect(parseOperationToken(token)).toEqual(expected);
  });

  const errors: [string, RegExp][] = [
    ["/op", /"\/op" names no workspace/],
    ["/", /names no workspace/],
    ["ws/", /"ws\/" names no operation: use ws\/<operation>/],
    ["a/b/c", /"a\/b\/c" has more than one "\/"/],
    ["a//b", /more than one "\/"/],
  ];
  test.each(errors)("%s is an error", (token, message) => {
    const result = parseOperationToken(token);
    expect(result).toEqual({ error: expect.stringMatching(message) });
  });
});

describe("command lists", () => {
  test.each([...BUILTIN_COMMANDS])("%s is reserved for operation ids", (command) => {
    expect(RESERVED_COMMANDS as readonly string[]).toContain(command);
  });
});
