/**
 * The engine API (src/engine/api.ts) in-process, against a real temp state file: each
 * function returns its command's --json document and emits typed events; `fork` takes the
 * create path, so its records are checked and its error codes kept.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as api from "../../src/engine/api.ts";
import type { RigEvent } from "../../src/engine/events.ts";
import { RigError } from "../../src/errors.ts";
import { defineProvider, workflow } from "../../src/index.ts";
import type { PromptApi } from "../../src/sdk/types.ts";
import { engineProject, tempDir } from "../helpers.ts";

/**
 * A provider whose workspaces are directories, and whose fork fails the way `mode` says:
 * after claiming the new directory, so the rollback has something to undo.
 */
const forky = (root: string, mode: { fork: "ok" | "timeout" | "unavailable" | "non-json" | "plain" }) =>
  defineProvider<Record<string, never>, { make(): { dir: string } }>({
    id: "forky",
    create() {
      return {
        status: (workspaces) => workspaces.map((ws) => (ws.resources.every((r) => existsSync(String(r.dir))) ? "ready" : "missing")),
        destroy: ({ match }) => rmSync(String(match.dir), { recursive: true, force: true }),
        fork(_source, target) {
          const dir = join(root, target.name);
          target.claim({ kind: "dir", id: dir, dir });
          mkdirSync(dir, { recursive: true });
          target.record({ dir });
          if (mode.fork === "timeout") throw new RigError("TIMEOUT", "copying took longer than 1s");
          if (mode.fork === "unavailable") throw new RigError("PROVIDER_UNAVAILABLE", "the machine went away");
          if (mode.fork === "non-json") target.record({ when: new Date() } as never);
          if (mode.fork === "plain") throw new Error("disk on fire");
          return { dir };
        },
        runtime: (ctx) => ({
          make() {
            const dir = join(root, ctx.workspace?.name as string);
            ctx.workspace?.claim({ kind: "dir", id: dir, dir });
            mkdirSync(dir, { recursive: true });
            return { dir };
          },
        }),
      };
    },
  })({});

function setup() {
  const root = tempDir();
  const mode = { fork: "ok" as "ok" | "timeout" | "unavailable" | "non-json" | "plain" };
  const removed: string[] = [];
  const wf = workflow("app")
    .addProvider("forky", forky(root, mode))
    .task("base", async () => ({ ctx: { base: true } }))
    .workspace({
      create: async ({ providers }) => providers.forky.make(),
      remove: async ({ workspace }) => {
        removed.push(workspace.name);
        rmSync(String((workspace.ctx as { dir?: string }).dir ?? join(root, "none")), { recursive: true, force: true });
      },
    });
  const project = engineProject([wf]);
  return { project, root, mode, removed };
}

const collect = () => {
  const events: RigEvent[] = [];
  return { events, sink: (e: RigEvent) => events.push(e) };
};

describe("createWorkspaces and removeWorkspaces", () => {
  test("apply first, then create: the --json document, and task, apply and workspace events", async () => {
    const { project } = setup();
    const { events, sink } = collect();
    const result = await api.createWorkspaces(project, { names: ["ws1"] }, { events: sink });
    expect(result).toEqual({ workspaces: [{ name: "ws1", workflow: "app", ctx: { dir: expect.any(String) }, createdAt: expect.any(String) }] });
    expect(JSON.parse(JSON.stringify(events))).toEqual(structuredClone(events)); // plain JSON
    const types = events.map((e) => e.type);
    expect(types).toEqual(["apply.started", "task.started", "task.finished", "apply.finished", "workspace.created"]);
    expect(events[0]).toEqual({ type: "apply.started", workflow: "app", pending: ["base"], cached: [] });
    expect(events[2]).toMatchObject({ type: "task.finished", workflow: "app", path: "base", status: "done", runId: expect.stringMatching(/^r/), logPath: expect.any(String) });

    const again = collect();
    await api.createWorkspaces(project, { names: ["ws2"] }, { events: again.sink });
    expect(again.events.find((e) => e.type === "task.cached")).toMatchObject({ path: "base", runId: expect.any(String) });

    expect(await api.removeWorkspaces(project, { names: ["ws1", "ws2"], yes: true })).toEqual({ removed: ["ws1", "ws2"] });
    expect((await api.listWorkspaces(project, { cached: true })).workspaces).toEqual([]);
  });

  test("without names: the prompter is asked (a free name offered); without a prompter, a usage error", async () => {
    const { project } = setup();
    await expect(api.createWorkspaces(project, {})).rejects.toMatchObject({ code: "USAGE" });
    const asked: string[] = [];
    const prompter: PromptApi = {
      text: async (message, options) => (asked.push(`${message} [${options?.initial}]`), "picked"),
      confirm: async () => true,
      select: async (_m, choices) => choices[0] as never,
    };
    expect((await api.createWorkspaces(project, {}, { prompter })).workspaces.map((w) => w.name)).toEqual(["picked"]);
    expect(asked).toEqual(["Name of the new workspace [ws1]"]);
    // rm asks for confirmation through the prompter too, and needs `yes` without one.
    await expect(api.removeWorkspaces(project, { names: ["picked"] })).rejects.toMatchObject({ code: "CONFIRMATION_REQUIRED" });
    expect(await api.removeWorkspaces(project, { names: ["picked"] }, { prompter })).toEqual({ removed: ["picked"] });
  });

  test("a taken name: WORKSPACE_EXISTS naming the workspace, and the lock is released", async () => {
    const { project } = setup();
    await api.createWorkspaces(project, { names: ["ws1"] });
    await expect(api.createWorkspaces(project, { names: ["ws1"] })).rejects.toMatchObject({ code: "WORKSPACE_EXISTS", subject: { workspace: "ws1" } });
    await api.createWorkspaces(project, { names: ["ws2"] }, { lockTimeout: 0 });
  });

  test("calls release the project lock when done, and calls in one process take turns", async () => {
    const { project } = setup();
    const held = () => project.store.db.query("SELECT command FROM lock").all();
    await Promise.all([
      api.createWorkspaces(project, { names: ["a"] }, { lockTimeout: 0 }),
      api.createWorkspaces(project, { names: ["b"] }, { lockTimeout: 0 }),
      api.apply(project, {}, { lockTimeout: 0 }),
    ]);
    expect(held()).toEqual([]);
    await api.stop(project, { names: ["a"] }).catch(() => {});
    await api.renew(project, { names: ["a"], ttl: "1h" });
    await api.gc(project, { yes: true });
    await api.cacheClear(project, { workflow: "app" });
    await api.removeWorkspaces(project, { all: true, yes: true });
    expect(held()).toEqual([]);
  });

  test("an aborted signal cancels before any work", async () => {
    const { project } = setup();
    const controller = new AbortController();
    controller.abort();
    await expect(api.createWorkspaces(project, { names: ["ws1"] }, { signal: controller.signal })).rejects.toMatchObject({ code: "INTERRUPTED" });
  });
});

describe("fork takes the create path", () => {
  test("a copy of a live workspace; listed with the source", async () => {
    const { project } = setup();
    await api.createWorkspaces(project, { names: ["a"] });
    const { events, sink } = collect();
    const forked = await api.fork(project, { names: ["b"], from: "a" }, { events: sink });
    expect(forked.workspaces[0]).toMatchObject({ name: "b", workflow: "app", ctx: { dir: expect.stringContaining("/b") } });
    expect(events.map((e) => e.type)).toEqual(["workspace.created"]); // no apply for a fork
    expect(project.store.workspace("app", "b")?.from_workspace).toBe("a");
  });

  test.each([
    ["timeout", "TIMEOUT", /copying took longer than 1s/],
    ["unavailable", "PROVIDER_UNAVAILABLE", /the machine went away/],
    ["non-json", "HOOK_FAILED", /workspace\.record\(\)/],
    ["plain", "HOOK_FAILED", /Forking a into b failed: disk on fire/],
  ] as const)("a fork that fails (%s) keeps its code %s, names the workspace, and is rolled back", async (fork, code, message) => {
    const { project, root, mode, removed } = setup();
    await api.createWorkspaces(project, { names: ["a"] });
    mode.fork = fork;
    const error = await api.fork(project, { names: ["b"], from: "a" }).catch((e: unknown) => e as RigError);
    expect(error).toBeInstanceOf(RigError);
    expect({ code: (error as RigError).code, workspace: (error as RigError).subject.workspace }).toEqual({ code, workspace: "b" });
    expect((error as RigError).message).toMatch(message);
    // What the fork had made was removed again through the remove hook, and the record forgotten.
    expect(removed).toEqual(["b"]);
    expect(existsSync(join(root, "b"))).toBe(false);
    expect(project.store.workspace("app", "b")).toBeNull();
    expect(project.store.oplog(undefined, 1)[0]).toMatchObject({ kind: "create", target: "b", status: "failed" });
  });
});

describe("the other functions return their --json documents", () => {
  test("plan, apply, list, log, stop/start refusals, gc, cache", async () => {
    const { project } = setup();
    expect(await api.plan(project)).toMatchObject({ workflow: "app", nodeCount: 1, cachedCount: 0 });
    expect(await api.apply(project)).toMatchObject({ workflow: "app", ran: ["base"], cached: [] });
    expect(await api.apply(project, { all: true })).toMatchObject({ workflows: [{ workflow: "app", ran: [], cached: ["base"] }] });
    await api.createWorkspaces(project, { names: ["w"] });
    const listed = await api.listWorkspaces(project, {});
    expect(listed.workspaces.map((w) => [w.name, w.status, w.expiresAt])).toEqual([["w", "ready", null]]);
    expect((await api.log(project, { limit: 2 })).entries.map((e) => e.kind)).toEqual(["create", "apply"]);
    expect(await api.gc(project, { dryRun: true })).toEqual({ orphans: [], stale: [], unused: [], expired: [], removed: false });
    expect((await api.cacheLs(project, { workflow: "app" })).entries.map((e) => [e.path, e.scope])).toEqual([["base", "local"]]);
    expect(await api.cacheInvalidate(project, { workflow: "app", task: "base" })).toEqual({ invalidated: ["base"], runs: 1 });
    await expect(api.stop(project, { names: ["w"] })).rejects.toMatchObject({ code: "USAGE" }); // forky has no stop
    await expect(api.runOperation(project, { operation: "nope" })).rejects.toMatchObject({ code: "UNKNOWN_OPERATION" });
  });
});
