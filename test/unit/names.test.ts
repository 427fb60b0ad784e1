/** Workspace names (README "Scripting"): safe as directory, container and host names. */
import { describe, expect, test } from "bun:test";
import { checkWorkspaceName, isWorkspaceName, WORKSPACE_NAME_RULE } from "../../src/engine/workspaces/names.ts";
import { RigError } from "../../src/errors.ts";

const valid = [
  "ws1",
  "a.b_c-d",
  "a",
  "0",
  "_",
  ".hidden",
  "...",
  "a-",
  "UPPER.lower",
  "x".repeat(63),
];

const invalid = [
  "",
  "-x",
  "-",
  "../x",
  "a/b",
  "/abs",
  "a\\b",
  ".",
  "..",
  "x".repeat(64),
  "é",
  "wörk",
  "ws😀",
  "a b",
  " ws1",
  "ws1 ",
  "ws1\n",
  "a\tb",
  "a:b",
  "a@b",
  "a*b",
  "a\u0000b",
];

describe("isWorkspaceName", () => {
  test.each(valid)("%j is valid", (name) => {
    expect(isWorkspaceName(name)).toBe(true);
  });
  test.each(invalid)("%j is invalid", (name) => {
    expect(isWorkspaceName(name)).toBe(false);
  });
});

describe("checkWorkspaceName", () => {
  test.each(valid)("%j passes", (name) => {
    expect(() => checkWorkspaceName(name)).not.toThrow();
  });

  test.each(invalid)("%j throws INVALID_NAME naming the rule", (name) => {
    let thrown: unknown;
    try {
      checkWorkspaceName(name);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RigError);
    const error = thrown as RigError;
    expect(error.code).toBe("INVALID_NAME");
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(WORKSPACE_NAME_RULE);
  });

  test("the message quotes the name", () => {
    expect(() => checkWorkspaceName("a/b")).toThrow('Invalid workspace name "a/b"');
  });

  test("a very long name is shortened in the message", () => {
    const name = "y".repeat(200);
    let message = "";
    try {
      checkWorkspaceName(name);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`"${"y".repeat(77)}..."`);
    expect(message).not.toContain("y".repeat(78));
  });
});
