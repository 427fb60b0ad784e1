/** Compiling a builder chain into a task graph: paths, upstream edges, scopes and config errors. */
import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { type CompiledWorkflow, compileWorkflow } from "../../src/engine/graph/compile.ts";
import { RigError } from "../../src/errors.ts";
import { local, sequence, workflow } from "../../src/index.ts";
import type { AnySequence } from "../../src/sdk/sequence.ts";

const noop = async () => undefined;
const run = async () => undefined;

const paths = (compiled: CompiledWorkflow) => compiled.tasks.map((t) => t.path);
/** Upstream as paths, so expectations read like the workflow. */
const upstreamOf = (compiled: CompiledWorkflow) =>
  Object.fromEntries(compiled.tasks.map((t) => [t.path, t.upstream.map((i) => compiled.tasks[i]!.path)]));
const providersOf = (compiled: CompiledWorkflow) =>
  Object.fromEntries(compiled.tasks.map((t) => [t.path, t.scope.providers.map((p) => p.name)]));

function configError(build: () => AnySequence): RigError {
  try {
    compileWorkflow(build());
  } catch (error) {
    expect(error).toBeInstanceOf(RigError);
    return error as RigError;
  }
  throw new Error("expected compileWorkflow to throw");
}

describe("node paths and upstream", () => {
  test("a linear chain", () => {
    const compiled = compileWorkflow(workflow("w").task("a", noop).task("b", noop).task("c", noop));
    expect(compiled.name).toBe("w");
    expect(paths(compiled)).toEqual(["a", "b", "c"]);
    expect(compiled.tasks.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(compiled.tasks.map((t) => t.name)).toEqual(["a", "b", "c"]);
    expect(upstreamOf(compiled)).toEqual({ a: [], b: ["a"], c: ["b"] });
    expect(compiled.final).toEqual([2]);
  });

  test("a fragment's tasks are prefixed with its name", () => {
    const frag = sequence("frag").task("b", noop).task("c", noop);
    const compiled = compileWorkflow(workflow("w").task("a", noop).add(frag).task("d", noop));
    expect(paths(compiled)).toEqual(["a", "frag/b", "frag/c", "d"]);
    expect(upstreamOf(compiled)).toEqual({ a: [], "frag/b": ["a"], "frag/c": ["frag/b"], d: ["frag/c"] });
  });

  test("nested fragments nest their prefixes", () => {
    const inner = sequence("inner").task("x", noop);
    const outer = sequence("outer").add(inner).task("y", noop);
    const compiled = compileWorkflow(workflow("w").add(outer));
    expect(paths(compiled)).toEqual(["outer/inner/x", "outer/y"]);
    expect(upstreamOf(compiled)).toEqual({ "outer/inner/x": [], "outer/y": ["outer/inner/x"] });
  });

  test("parallel branches join: the next task follows every branch end and the pre-parallel task", () => {
    const compiled = compileWorkflow(
      workflow("w")
        .task("setup", noop)
        .parallel({
          db: (s) => s.task("migrate", noop).task("seed", noop),
          web: (s) => s.task("build", noop),
        })
        .task("done", noop),
    );
    expect(paths(compiled)).toEqual(["setup", "db/migrate", "db/seed", "web/build", "done"]);
    expect(upstreamOf(compiled)).toEqual({
      setup: [],
      "db/migrate": ["setup"],
      "db/seed": ["db/migrate"],
      "web/build": ["setup"],
      done: ["setup", "db/seed", "web/build"],
    });
    expect(compiled.final).toEqual([4]);
  });

  test("a parallel as the last step makes every branch end final", () => {
    const compiled = compileWorkflow(
      workflow("w").task("a", noop).parallel({ x: sequence("x").task("b", noop), y: sequence("y").task("c", noop) }),
    );
    expect(compiled.final.map((i) => compiled.tasks[i]!.path)).toEqual(["a", "x/b", "y/c"]);
  });

  test("a parallel at the start has no pre-parallel task", () => {
    const compiled = compileWorkflow(workflow("w").parallel({ x: (s) => s.task("b", noop) }).task("c", noop));
    expect(upstreamOf(compiled)).toEqual({ "x/b": [], c: ["x/b"] });
  });

  test("a parallel inside a fragment is prefixed by both", () => {
    const frag = sequence("frag").parallel({ db: (s) => s.task("migrate", noop) });
    expect(paths(compileWorkflow(workflow("w").add(frag)))).toEqual(["frag/db/migrate"]);
  });

  test("the same task id in different sequences is fine", () => {
    const frag = sequence("frag").task("a", noop);
    expect(paths(compileWorkflow(workflow("w").task("a", noop).add(frag)))).toEqual(["a", "frag/a"]);
  });

  test("an empty workflow compiles to nothing", () => {
    const compiled = compileWorkflow(workflow("w"));
    expect(compiled.tasks).toEqual([]);
    expect(compiled.final).toEqual([]);
    expect(compiled.workspace).toBeNull();
  });
});

describe("task options", () => {
  const ttls: [number | string | undefined, number | null][] = [
    [undefined, null],
    [0, 0],
    [1500, 1500],
    ["30s", 30_000],
    ["7d", 604_800_000],
  ];
  test.each(ttls)("cacheTTL %p → ttlMs %p", (cacheTTL, ttlMs) => {
    const compiled = compileWorkflow(workflow("w").task("a", cacheTTL === undefined ? {} : { cacheTTL }, noop));
    expect(compiled.tasks[0]!.ttlMs).toBe(ttlMs);
  });

  test("taskHash follows handler source, version and output schema", () => {
    const hashOf = (options: object, handler: () => Promise<{ ctx: object } | undefined> = noop) =>
      compileWorkflow(workflow("w").task("a", options, handler)).tasks[0]!.taskHash;
    const base = hashOf({});
    expect(hashOf({})).toBe(base);
    expect(hashOf({ description: "docs only" })).toBe(base);
    expect(hashOf({ version: "2" })).not.toBe(base);
    expect(hashOf({}, async () => ({ ctx: {} }))).not.toBe(base);
    expect(hashOf({ output: z.object({ a: z.string() }) })).not.toBe(base);
    expect(hashOf({ output: z.object({ a: z.string() }) })).toBe(hashOf({ output: z.object({ a: z.string() }) }));
    expect(hashOf({ output: z.object({ a: z.string() }) })).not.toBe(hashOf({ output: z.object({ a: z.number() }) }));
  });
});

describe("config errors", () => {
  const cases: [string, () => AnySequence, string][] = [
    ["duplicate task ids in one sequence", () => workflow("w").task("a", noop).task("a", noop), 'duplicate task id "a"'],
    ["duplicate task ids in a fragment", () => workflow("w").add(sequence("frag").task("b", noop).task("b", noop)), 'duplicate task id "b" in "frag"'],
    ["a task id clashing with a fragment name", () => workflow("w").task("frag", noop).add(sequence("frag").task("b", noop)), 'duplicate sequence id "frag"'],
    ["a branch name clashing with a task id", () => workflow("w").task("db", noop).parallel({ db: (s) => s.task("x", noop) }), 'duplicate branch id "db"'],
    ["a task id containing /", () => workflow("w").task("a/b", noop), 'task id "a/b" must not contain "/"'],
    ["an empty task id", () => workflow("w").task("", noop), 'task id must be a non-empty string (got "")'],
    ["a blank task id", () => workflow("w").task("  ", noop), 'task id must be a non-empty string (got "  ")'],
    ["a fragment name containing /", () => workflow("w").add(sequence("a/b").task("x", noop)), 'sequence id "a/b" must not contain "/"'],
    ["a branch name containing /", () => workflow("w").parallel({ "a/b": (s) => s.task("x", noop) }), 'branch id "a/b" must not contain "/"'],
    ["an empty workflow name", () => workflow(""), "workflow id must be a non-empty string"],
    ["operation named plan", () => workflow("w").operation("plan", { run }), 'operation "plan" collides with the rig command of the same name'],
    ["operation named ls", () => workflow("w").operation("ls", { run }), 'operation "ls" collides'],
    ["workspace operation named remove", () => workflow("w").workspaceOperation("remove", { run }), 'workspace operation "remove" collides'],
    ["workspace operation named doctor", () => workflow("w").workspaceOperation("doctor", { run }), 'workspace operation "doctor" collides'],
    ["operation named exec", () => workflow("w").operation("exec", { run }), 'operation "exec" collides'],
    ["workspace operation named stop", () => workflow("w").workspaceOperation("stop", { run }), 'workspace operation "stop" collides'],
    ["workspace operation named start", () => workflow("w").workspaceOperation("start", { run }), 'workspace operation "start" collides'],
    ["a workspace ttl that is no duration", () => workflow("w").workspace({ create: run, ttl: "soon" }), '.workspace(): `ttl` must be a duration like "4h"'],
    ["a workspace onExpiry that is neither stop nor remove", () => workflow("w").workspace({ create: run, onExpiry: "explode" as never }), '.workspace(): `onExpiry` must be "stop" or "remove"'],
    ["a workspace stop hook that is no function", () => workflow("w").workspace({ create: run, stop: 1 as never }), ".workspace(): `stop` must be a function"],
    ["duplicate operation ids", () => workflow("w").operation("seed", { run }).operation("seed", { run }), 'duplicate operation "seed"'],
    ["duplicate workspace operation ids", () => workflow("w").workspaceOperation("test", { run }).workspaceOperation("test", { run }), 'duplicate workspace operation "test"'],
    ["an operation id containing /", () => workflow("w").operation("a/b", { run }), 'operation id "a/b" must not contain "/"'],
    ["an operation without run", () => workflow("w").operation("seed", {} as never), 'operation "seed" needs a run function'],
    ["an invalid cacheTTL", () => workflow("w").task("a", { cacheTTL: "5 years" }, noop), 'task "a": cacheTTL "5 years" is not a duration'],
    ["a negative cacheTTL", () => workflow("w").task("a", { cacheTTL: -1 }, noop), 'task "a": cacheTTL -1 is not a duration'],
    ["a non-string version", () => workflow("w").task("a", { version: 2 as never }, noop), 'task "a": version must be a string'],
    ["workspace declared twice", () => workflow("w").workspace({ create: run }).workspace({ create: run }), ".workspace() is declared twice"],
    ["workspace without create", () => workflow("w").workspace({} as never), ".workspace() needs a create function"],
    ["configure with a non-JSON value", () => workflow("w").configure({ a: undefined } as never), ".configure(): config.a is undefined"],
  ];
  test("workspace operations may still be called shell or exec (rig ws1/shell is not rig shell ws1)", () => {
    const compiled = compileWorkflow(workflow("w").workspaceOperation("shell", { run }).workspaceOperation("exec", { run }));
    expect([...compiled.workspaceOperations.keys()]).toEqual(["shell", "exec"]);
  });
  test.each(cases)("%s", (_, build, message) => {
    const error = configError(build);
    expect(error.code).toBe("CONFIG_ERROR");
    expect(error.exitCode).toBe(2);
    expect(error.message).toStartWith('Workflow "');
    expect(error.message).toContain(message);
  });

  test("the workflow is named in the message", () => {
    expect(configError(() => workflow("deploy").task("a", noop).task("a", noop)).message).toBe(
      'Workflow "deploy": duplicate task id "a" in the workflow',
    );
  });

  test("the same operation id as a workspace operation and an operation is allowed", () => {
    const compiled = compileWorkflow(workflow("w").operation("seed", { run }).workspaceOperation("seed", { run }));
    expect([...compiled.operations.keys()]).toEqual(["seed"]);
    expect([...compiled.workspaceOperations.keys()]).toEqual(["seed"]);
  });
});

describe("provider scope", () => {
  test("a task before .addProvider has no providers; a task after has it", () => {
    const definition = local();
    const compiled = compileWorkflow(workflow("w").task("before", noop).addProvider("local", definition).task("after", noop));
    expect(providersOf(compiled)).toEqual({ before: [], after: ["local"] });
    const [decl] = compiled.tasks[1]!.scope.providers;
    expect(decl).toEqual({ key: 0, name: "local", definition });
  });

  test("a nested sequence added after addProvider sees it; one added before does not", () => {
    const early = sequence("early").task("b", noop);
    const late = sequence("late").task("c", noop).add(sequence("deeper").task("d", noop));
    const compiled = compileWorkflow(workflow("w").add(early).addProvider("local", local()).add(late));
    expect(providersOf(compiled)).toEqual({ "early/b": [], "late/c": ["local"], "late/deeper/d": ["local"] });
  });

  test("fragments and branches added after addProvider see it", () => {
    const frag = sequence("frag").task("b", noop);
    const compiled = compileWorkflow(
      workflow("w")
        .task("a", noop)
        .addProvider("local", local())
        .add(frag)
        .parallel({ p: (s) => s.task("c", noop) }),
    );
    expect(providersOf(compiled)).toEqual({ a: [], "frag/b": ["local"], "p/c": ["local"] });
  });

  test("a provider added inside a fragment does not leak out of it", () => {
    const frag = sequence("frag").addProvider("inner", local()).task("b", noop);
    const compiled = compileWorkflow(workflow("w").addProvider("outer", local()).add(frag).task("c", noop));
    expect(providersOf(compiled)).toEqual({ "frag/b": ["outer", "inner"], c: ["outer"] });
  });

  test("adding a provider under the same name shadows the earlier one", () => {
    const first = local();
    const second = local();
    const compiled = compileWorkflow(workflow("w").addProvider("p", first).task("a", noop).addProvider("p", second).task("b", noop));
    expect(compiled.tasks[0]!.scope.providers.map((p) => p.definition)).toEqual([first]);
    expect(compiled.tasks[1]!.scope.providers.map((p) => p.definition)).toEqual([second]);
    expect(compiled.tasks[1]!.scope.providers.map((p) => p.key)).toEqual([1]);
  });

  test("the same definition object keeps its key", () => {
    const definition = local();
    const keys = new Map();
    compileWorkflow(workflow("a").addProvider("x", definition).task("t", noop), keys);
    const compiled = compileWorkflow(workflow("b").addProvider("y", local()).addProvider("x", definition).task("t", noop), keys);
    expect(compiled.tasks[0]!.scope.providers.map((p) => [p.name, p.key])).toEqual([["y", 1], ["x", 0]]);
  });

  test("workspace hooks and operations capture the scope they are declared in", () => {
    const compiled = compileWorkflow(
      workflow("w")
        .operation("early", { run })
        .addProvider("local", local())
        .workspace({ create: run })
        .workspaceOperation("test", { run })
        .operation("late", { run }),
    );
    expect(compiled.operations.get("early")!.scope.providers).toEqual([]);
    expect(compiled.operations.get("late")!.scope.providers.map((p) => p.name)).toEqual(["local"]);
    expect(compiled.workspace!.scope.providers.map((p) => p.name)).toEqual(["local"]);
    expect(compiled.workspaceOperations.get("test")!.scope.providers.map((p) => p.name)).toEqual(["local"]);
  });
});

describe("config scope", () => {
  test(".configure shallow-merges into later tasks only", () => {
    const compiled = compileWorkflow(
      workflow("w").task("a", noop).configure({ x: 1, y: { z: 1 } }).task("b", noop).configure({ y: { w: 2 } }).task("c", noop),
    );
    expect(compiled.tasks.map((t) => t.scope.config)).toEqual([{}, { x: 1, y: { z: 1 } }, { x: 1, y: { w: 2 } }]);
    const hashes = compiled.tasks.map((t) => t.scope.configHash);
    expect(new Set(hashes).size).toBe(3);
  });

  test("equal config gives an equal hash, whatever the key order", () => {
    const a = compileWorkflow(workflow("w").configure({ x: 1, y: 2 }).task("t", noop));
    const b = compileWorkflow(workflow("w").configure({ y: 2 }).configure({ x: 1 }).task("t", noop));
    expect(a.tasks[0]!.scope.configHash).toBe(b.tasks[0]!.scope.configHash);
  });
});
