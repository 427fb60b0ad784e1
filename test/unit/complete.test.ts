/** The completion endpoint as a pure function over a known state, and its agreement with commander. */
import { describe, expect, test } from "bun:test";
import { COMMAND_SPECS, GLOBAL_FLAGS, complete } from "../../src/cli/complete.ts";
import { buildProgram } from "../../src/cli/program.ts";
import type { Manifest } from "../../src/engine/project/manifest.ts";

const manifest: Manifest = {
  version: 1,
  workflows: [
    {
      name: "app",
      tasks: ["tools", "db/migrate"],
      workspaceOperations: [
        { id: "shell", description: "Open a shell", inputs: [] },
        {
          id: "test",
          description: "Run tests",
          inputs: [
            { key: "filter", flag: "filter", kind: "string", required: false },
            { key: "watch", flag: "watch", kind: "boolean", required: false },
            { key: "level", flag: "level", kind: "enum", required: false, choices: ["unit", "e2e"] },
          ],
        },
      ],
      operations: [{ id: "doctor-db", description: "Check the db", inputs: [] }],
    },
    { name: "other", tasks: ["x"], workspaceOperations: [{ id: "ping", description: null, inputs: [] }], operations: [] },
  ],
};
const known = {
  manifest,
  workspaces: [
    { name: "ws1", workflow: "app" },
    { name: "ws2", workflow: "app" },
    { name: "o1", workflow: "other" },
  ],
};
const values = (words: string[]) => complete(words, known).map((c) => c.split("\t")[0]);

describe("complete", () => {
  const cases: [string, string[], string[]][] = [
    ["commands, workspaces and workflow operations", [""], [...Object.keys(COMMAND_SPECS), "ws1/", "ws2/", "o1/", "doctor-db"]],
    ["a workspace's operations", ["ws1/"], ["ws1/shell", "ws1/test"]],
    ["operations of the workspace's own workflow only", ["o1/"], ["o1/ping"]],
    ["an unknown workspace has none", ["nope/"], []],
    ["operation flags, booleans both ways", ["ws1/test", "--"], ["--filter", "--watch", "--no-watch", "--level", "--workflow", ...GLOBAL_FLAGS]],
    ["enum values", ["ws1/test", "--level", ""], ["unit", "e2e"]],
    ["a string flag's value is free", ["ws1/test", "--filter", ""], []],
    ["workflow names after --workflow", ["plan", "--workflow", ""], ["app", "other"]],
    ["files after --chdir (the shell completes them)", ["--chdir", ""], []],
    ["command flags", ["apply", "-"], ["--workflow", "--all", "--discover", "--dry-run", "--concurrency", ...GLOBAL_FLAGS]],
    ["rm: workspaces not yet named", ["rm", "ws1", ""], ["ws2", "o1"]],
    ["run: a workspace, then its operations", ["run", "ws1", ""], ["shell", "test"]],
    ["exec: a workspace, then the command is the shell's", ["exec", ""], ["ws1", "ws2", "o1"]],
    ["exec: nothing after the workspace", ["exec", "ws1", ""], []],
    ["shell, code, forward: a workspace", ["shell", ""], ["ws1", "ws2", "o1"]],
    ["stop: workspaces not yet named", ["stop", "ws1", ""], ["ws2", "o1"]],
    ["renew flags", ["renew", "ws1", "-"], ["--ttl", "--workflow", ...GLOBAL_FLAGS]],
    ["create --from: workspaces", ["create", "copy", "--from", ""], ["ws1", "ws2", "o1"]],
    ["create --on-expiry: stop or remove", ["create", "tmp", "--ttl", "4h", "--on-expiry", ""], ["stop", "remove"]],
    ["create flags", ["create", "-"], ["--name", "--workflow", "--concurrency", "--from", "--ttl", "--on-expiry", ...GLOBAL_FLAGS]],
    ["cache: workflows", ["cache", ""], ["app", "other"]],
    ["cache: actions", ["cache", "app", ""], ["ls", "explain", "invalidate", "clear"]],
    ["cache: task paths for explain", ["cache", "app", "explain", ""], ["tools", "db/migrate"]],
    ["cache: no task for ls", ["cache", "app", "ls", ""], []],
    ["completion: shells", ["completion", ""], ["bash", "zsh", "fish"]],
    ["init: templates", ["init", "--template", ""], ["local", "docker", "ssh", "lxd"]],
    ["ls: what", ["ls", ""], ["workspaces", "config", "snapshots"]],
    ["help: commands", ["help", ""], Object.keys(COMMAND_SPECS)],
    ["global flags before a command", ["--js"], ["--version", ...GLOBAL_FLAGS]],
    ["a command after global options", ["--chdir", "x", "ca"], [...Object.keys(COMMAND_SPECS), "ws1/", "ws2/", "o1/", "doctor-db"]],
  ];
  test.each(cases)("%s", (_, words, expected) => {
    expect(values(words)).toEqual(expected);
  });

  test("descriptions ride along after a tab", () => {
    expect(complete(["ws1/"], known)).toContain("ws1/test\tRun tests");
  });

  test("with no state there are still commands", () => {
    expect(complete([""], { manifest: null, workspaces: [] }).map((c) => c.split("\t")[0])).toEqual(Object.keys(COMMAND_SPECS));
  });
});

test("completion knows every command and flag that commander defines", () => {
  const program = buildProgram({ globals: { json: false }, signal: new AbortController().signal });
  const globalLongs = new Set(program.options.map((o) => o.long as string));
  for (const command of program.commands) {
    const spec = COMMAND_SPECS[command.name()];
    expect(spec, `completion spec for ${command.name()}`).toBeDefined();
    const longs = command.options.map((o) => o.long as string).filter((l) => !globalLongs.has(l));
    expect(new Set(spec?.flags.filter((f) => f.startsWith("--")))).toEqual(new Set(longs));
    for (const alias of command.aliases()) expect(COMMAND_SPECS[alias]).toEqual(spec);
  }
  // commander keeps --help apart from the options list.
  expect(new Set(GLOBAL_FLAGS)).toEqual(new Set([...[...globalLongs].filter((l) => l !== "--version"), "--help"]));
});

describe("complete: cache without the workflow", () => {
  const one = { manifest: { version: 1 as const, workflows: [manifest.workflows[0] as Manifest["workflows"][number]] }, workspaces: [] };
  const vals = (words: string[]) => complete(words, one).map((c) => c.split("\t")[0]);
  test("with one workflow, actions are offered where the workflow goes", () => {
    expect(vals(["cache", ""])).toEqual(["app", "ls", "explain", "invalidate", "clear"]);
  });
  test("and task paths follow `cache explain`", () => {
    expect(vals(["cache", "explain", ""])).toEqual(["tools", "db/migrate"]);
  });
  test("with several workflows, only workflow names", () => {
    expect(values(["cache", ""])).toEqual(["app", "other"]);
  });
});
