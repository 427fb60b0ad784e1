/** Pure pieces of the lifecycle commands: exec's argument split, forward's port specs, ls notes. */
import { describe, expect, test } from "bun:test";
import { splitExecArgs } from "../../src/cli/commands/workspaces/exec.ts";
import { parsePort } from "../../src/cli/commands/workspaces/forward.ts";
import { lifecycleNotes } from "../../src/cli/render.ts";
import { isRigError } from "../../src/errors.ts";

describe("rig exec arguments", () => {
  const cases: [string[], { own: string[]; workspace: string | undefined; command: string[] }][] = [
    [["ws1", "--", "ls", "-la"], { own: [], workspace: "ws1", command: ["ls", "-la"] }],
    [["ws1", "ls", "-la"], { own: [], workspace: "ws1", command: ["ls", "-la"] }],
    [["--json", "ws1", "cat", "--json"], { own: ["--json"], workspace: "ws1", command: ["cat", "--json"] }],
    [["ws1", "--workflow", "app", "--", "true"], { own: ["--workflow", "app"], workspace: "ws1", command: ["true"] }],
    [["--chdir=x", "ws1", "--", "--weird"], { own: ["--chdir=x"], workspace: "ws1", command: ["--weird"] }],
    [["ws1"], { own: [], workspace: "ws1", command: [] }],
  ];
  test.each(cases)("%j", (args, expected) => {
    expect(splitExecArgs(args)).toEqual({ ...expected, help: false });
  });
  test("an unknown option before the command is a usage error; -h asks for help", () => {
    expect(() => splitExecArgs(["ws1", "-la"])).toThrow("rig exec: unknown option -la");
    expect(splitExecArgs(["-h"]).help).toBe(true);
  });
});

describe("rig forward ports", () => {
  test.each([
    ["8080", { port: 8080, local: 8080 }],
    ["80:8080", { port: 80, local: 8080 }],
  ] as const)("%s", (spec, expected) => expect(parsePort(spec)).toEqual(expected));
  test.each(["0", "65536", "x", "80:", ":80", "1:2:3", "8o"])("%s is a usage error", (spec) => {
    let thrown: unknown;
    try {
      parsePort(spec);
    } catch (error) {
      thrown = error;
    }
    expect(isRigError(thrown) && thrown.exitCode).toBe(2);
  });
});

describe("ls notes on leases and forks", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  test.each([
    [{ expires_at: null, from_workspace: null }, []],
    [{ expires_at: now + 3 * 3_600_000 - 5000, from_workspace: null }, ["expires in 3h"]],
    [{ expires_at: now + 25 * 60_000, from_workspace: "ws1" }, ["expires in 25m", "from ws1"]],
    [{ expires_at: now + 3 * 86_400_000, from_workspace: null }, ["expires in 3d"]],
    [{ expires_at: now - 1, from_workspace: null }, ["expired"]],
  ] as const)("%j", (row, notes) => expect(lifecycleNotes(row, now)).toEqual([...notes]));
});
