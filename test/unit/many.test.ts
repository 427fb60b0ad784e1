/** Pure pieces of "many at once" and "exit codes of actions": argument splits, the worst code, the command-result brand, completion. */
import { describe, expect, test } from "bun:test";
import { splitExecArgs } from "../../src/cli/commands/workspaces/exec.ts";
import { splitRunArgs } from "../../src/cli/commands/workspaces/run-many.ts";
import { complete } from "../../src/cli/complete.ts";
import { rewrite } from "../../src/cli/argv.ts";
import { worstExitCode } from "../../src/engine/workspaces/many.ts";
import { commandResult, isCommandResult } from "../../src/host/command-result.ts";
import { host } from "../../src/host/local.ts";

describe("rig exec --all / -w", () => {
  test.each([
    [["--all", "--", "npm", "test"], { all: true, names: [] }, undefined, ["npm", "test"]],
    [["--all", "npm", "test", "--json"], { all: true, names: [] }, undefined, ["npm", "test", "--json"]],
    [["-w", "a,b", "make"], { all: false, names: ["a", "b"] }, undefined, ["make"]],
    [["--workspaces=a", "-w", "b", "--concurrency", "2", "--", "-x"], { all: false, names: ["a", "b"], concurrency: "2" }, undefined, ["-x"]],
    [["ws1", "--all", "--", "true"], { all: true, names: [] }, "ws1", ["true"]],
  ] as const)("%j", (args, many, workspace, command) => {
    const parsed = splitExecArgs([...args]);
    expect(parsed.many).toEqual({ ...many } as never);
    expect(parsed.workspace).toBe(workspace);
    expect(parsed.command).toEqual([...command]);
  });
  test("without them, nothing changes", () => expect(splitExecArgs(["ws1", "ls"]).many).toBeUndefined());
  test("-w needs a value", () => expect(() => splitExecArgs(["-w"])).toThrow("rig exec: -w needs a value"));
});

describe("rig run --all / -w", () => {
  test("the operation is the first word; its flags and rig's globals are the rest", () => {
    expect(splitRunArgs(["--all", "--workflow", "app", "test", "--filter", "x", "--json"])).toEqual({
      many: { all: true, names: [] },
      operation: "test",
      rest: ["--workflow", "app", "--filter", "x", "--json"],
    });
    expect(splitRunArgs(["-w", "a,b", "test", "--concurrency=3"])).toEqual({ many: { all: false, names: ["a", "b"], concurrency: "3" }, operation: "test", rest: [] });
  });
  test("argv.ts leaves them to run (no ws/op rewrite)", () => {
    expect(rewrite(["run", "--all", "test"])).toEqual(["run", "--all", "test"]);
    expect(rewrite(["run", "-w", "a,b", "test"])).toEqual(["run", "-w", "a,b", "test"]);
    expect(rewrite(["run", "ws1", "test"])).toEqual(["ws1/test"]);
  });
});

describe("one exit code for many", () => {
  test.each([
    [[0, 0], false, 0],
    [[0, 3, 1], false, 3],
    [[255, 1], false, 255],
    [[0, 0], true, 130],
    [[], false, 0],
  ] as const)("%j interrupted=%p → %p", (codes, interrupted, expected) => expect(worstExitCode([...codes], interrupted)).toBe(expected));
});

describe("command results", () => {
  test("only results rig's helpers made carry the brand; copies and lookalikes do not; JSON never shows it", async () => {
    const made = commandResult({ command: "x", exitCode: 3, stdout: "", stderr: "" });
    expect(isCommandResult(made)).toBe(true);
    expect(isCommandResult({ ...made })).toBe(false);
    expect(isCommandResult({ command: "x", exitCode: 3, stdout: "", stderr: "" })).toBe(false);
    expect(isCommandResult(JSON.parse(JSON.stringify(made)))).toBe(false);
    expect(JSON.stringify(made)).toBe('{"command":"x","exitCode":3,"stdout":"","stderr":""}');
    expect(Object.keys(made)).toEqual(["command", "exitCode", "stdout", "stderr"]);
    process.env.RIGKIT_TRUST_HOST_COMMANDS = "1";
    const run = await host.exec(["sh", "-c", "exit 4"], { reject: false });
    expect(isCommandResult(run) && run.exitCode).toBe(4);
    const command = await host.command({ argv: ["true"], mode: "capture" });
    expect(isCommandResult(command) && command.exitCode).toBe(0);
  });
});

describe("completion of the new flags", () => {
  const known = {
    manifest: {
      version: 1,
      workflows: [{ name: "app", tasks: [], workspaceOperations: [{ id: "test", description: "Run tests", inputs: [] }], operations: [] }],
    },
    workspaces: [
      { name: "ws1", workflow: "app" },
      { name: "ws2", workflow: "app" },
      { name: "ws3", workflow: "app" },
    ],
  };
  const values = (words: string[]) => complete(words, known as never).map((c) => c.split("\t")[0]);
  test("flags of exec and run", () => {
    for (const command of ["exec", "run"]) expect(values([command, "--"])).toEqual(expect.arrayContaining(["--all", "--workspaces", "--concurrency"]));
  });
  test("-w completes workspace names, comma by comma", () => {
    expect(values(["exec", "-w", ""])).toEqual(["ws1", "ws2", "ws3"]);
    expect(values(["exec", "-w", "ws1,"])).toEqual(["ws1,ws2", "ws1,ws3"]);
  });
  test("run --all completes the operation, exec --all the command (nothing)", () => {
    expect(values(["run", "--all", ""])).toEqual(["test"]);
    expect(values(["run", "-w", "ws1", ""])).toEqual(["test"]);
    expect(values(["exec", "--all", ""])).toEqual([]);
  });
});
