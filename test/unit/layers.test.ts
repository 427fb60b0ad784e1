/**
 * The layers of docs/architecture.md, enforced over the real import graph of src/ (every
 * static and dynamic import of a relative path): no module imports a layer above its own,
 * and no import cycles. A new module outside the known folders fails here until it is
 * given a layer.
 */
import { expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { REPO } from "../helpers.ts";

const SRC = join(REPO, "src");

/** Lower numbers are lower layers; a module may import its own layer or lower ones. */
const LAYERS: [RegExp, number, string][] = [
  [/^(errors|suggest|version)\.ts$|^sdk\/|^commands\//, 0, "sdk, errors, the version, the command table"],
  [/^host\//, 1, "host"],
  [/^state\//, 2, "state"],
  [/^providers\//, 2, "providers"],
  [/^index\.ts$/, 3, "the authoring API (what configs import)"],
  [/^engine\//, 4, "engine"],
  [/^(cli|serve|mcp|server)\//, 5, "front ends (cli, servers)"],
];

function layerOf(path: string): { level: number; name: string } {
  const found = LAYERS.find(([pattern]) => pattern.test(path));
  if (!found) throw new Error(`src/${path} is in no layer of test/unit/layers.test.ts (docs/architecture.md)`);
  return { level: found[1], name: found[2] };
}

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [relative(SRC, join(dir, e.name))] : [],
  );
}

/**
 * Imports of a module, resolved to src/-relative paths. `types`: type-only imports too
 * (they count for layering, but are erased at run time, so they make no cycle).
 */
function importsOf(path: string, types: boolean): string[] {
  const text = readFileSync(join(SRC, path), "utf8");
  const pattern = /(?:^|\n)\s*(import|export)(\s+type)?\s[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']|(?:import\s*\(\s*|require\(\s*)["'](\.{1,2}\/[^"']+)["']/g;
  const specs = [...text.matchAll(pattern)].flatMap((m) => (m[4] ? [m[4]] : m[2] && !types ? [] : [m[3] as string]));
  return specs
    .map((spec) => relative(SRC, resolve(SRC, dirname(path), spec)))
    .filter((target) => !target.startsWith("..") && target.endsWith(".ts"));
}

const graph = new Map(sources().map((path) => [path, importsOf(path, true)]));
const runtime = new Map(sources().map((path) => [path, importsOf(path, false)]));

/** Known upward imports, each to be removed; a new one fails. */
const EXCEPTIONS = new Set([
  // type only: the isolation plan a provider's access carries (move IsolationPlan into sdk/).
  "sdk/provider.ts → host/isolate.ts",
]);

test("every module imports only its own layer or lower ones", () => {
  const upward: string[] = [];
  for (const [from, targets] of graph) {
    const own = layerOf(from);
    for (const to of targets) {
      const theirs = layerOf(to);
      if (theirs.level > own.level && !EXCEPTIONS.has(`${from} → ${to}`)) upward.push(`src/${from} (${own.name}) imports src/${to} (${theirs.name})`);
    }
  }
  expect(upward).toEqual([]);
});

test("no import cycles (type-only imports aside)", () => {
  const cycles: string[] = [];
  const state = new Map<string, "active" | "done">();
  const visit = (node: string, stack: string[]) => {
    state.set(node, "active");
    for (const next of runtime.get(node) ?? []) {
      if (state.get(next) === "active") cycles.push([...stack.slice(stack.indexOf(next)), next].map((p) => `src/${p}`).join(" → "));
      else if (!state.has(next)) visit(next, [...stack, next]);
    }
    state.set(node, "done");
  };
  for (const node of runtime.keys()) if (!state.has(node)) visit(node, [node]);
  expect(cycles).toEqual([]);
});

test("the graph is real: it sees the CLI reach the engine and the engine reach the state", () => {
  expect(graph.get("cli/commands/workspaces/create.ts")).toContain("engine/api/create.ts");
  expect(graph.get("engine/api/create.ts")).toContain("engine/graph/apply.ts");
  expect([...graph.values()].flat()).toContain("state/store.ts");
});
