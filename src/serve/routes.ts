/**
 * The resources of `rig serve` (README "rig serve"), one table: each route's method, path,
 * zod schemas and handler. The same table validates requests and generates
 * `/openapi.json` (openapi.ts). Handlers call the engine's API (src/engine/api.ts) — the
 * same functions the CLI commands call — and answer with their `--json` documents.
 */
import type { z } from "zod";
import * as engine from "../engine/api.ts";
import type { ProjectOptions } from "../engine/project/locate.ts";
import type { RouteDoc } from "./openapi.ts";
import { graphOf, workflowsDocument } from "./project-view.ts";
import { type Run, Runs, sseResponse } from "./runs.ts";
import * as S from "./schemas.ts";
import { execIn } from "./exec.ts";

export interface Context {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  request: Request;
  signal: AbortSignal;
}

export interface Route extends RouteDoc {
  handler(ctx: Context): Promise<unknown>;
}

export interface ServerState {
  options: ProjectOptions;
  runs: Runs;
  /** Aborted when the server stops: every call in flight is cancelled. */
  signal: AbortSignal;
}

/** A handler's answer with a status other than 200. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

const lastEventId = (request: Request, query: Record<string, unknown>): number => {
  const raw = request.headers.get("last-event-id") ?? (typeof query.lastEventId === "string" ? query.lastEventId : "0");
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : 0;
};

/** The run of `id`, or a 404 the error handler turns into the CLI's error document. */
function runOf(state: ServerState, id: string): Run {
  const run = state.runs.all.get(id);
  if (!run) throw Object.assign(new Error(`Unknown run ${id}`), { code: "UNKNOWN_RUN", status: 404 });
  return run;
}

/** Starts a background run of an engine call; 202 with where its events stream. */
function startRun(state: ServerState, body: z.infer<typeof S.RunBody>): Reply {
  const { options } = state;
  const run = state.runs.start(body.kind, (run, events) => {
    const signal = AbortSignal.any([run.controller.signal, state.signal]);
    const call = { signal, events, prompter: null };
    switch (body.kind) {
      case "apply":
        return engine.apply(options, { workflow: body.workflow, all: body.all, concurrency: body.concurrency }, call);
      case "create": {
        const names = [...(body.names ?? []), ...(body.name ? [body.name] : [])];
        return engine.createWorkspaces(options, { names, workflow: body.workflow, from: body.from, ttl: body.ttl, onExpiry: body.onExpiry }, call);
      }
      case "rm":
        return engine.removeWorkspaces(options, { names: body.names, all: body.all, force: body.force, workflow: body.workflow, yes: true }, call);
      case "operation":
        return engine.runOperation(options, { workspace: body.workspace ?? null, operation: body.operation, workflow: body.workflow, input: body.input ?? {} }, call);
    }
  });
  return new Reply(202, { id: run.id, eventsUrl: `/runs/${run.id}/events` });
}

export function routes(state: ServerState): Route[] {
  const { options } = state;
  const call = (signal: AbortSignal) => ({ signal: AbortSignal.any([signal, state.signal]), prompter: null });
  return [
    {
      method: "get",
      path: "/project",
      summary: "The project: its directory, config, state file and workflows",
      responses: { 200: { description: "the project", schema: S.Project } },
      handler: async () => {
        const project = await engine.openProject(options);
        return {
          root: project.location.root,
          projectDir: project.info.dir,
          configPath: project.location.path,
          id: project.info.id,
          stateFile: project.store.path,
          workflows: project.workflows.map((w) => w.name),
        };
      },
    },
    {
      method: "get",
      path: "/workflows",
      summary: "The workflows, their tasks and operations (with their inputs as JSON schemas)",
      responses: { 200: { description: "the workflows", schema: S.Workflows } },
      handler: async () => workflowsDocument(await engine.openProject(options)),
    },
    {
      method: "get",
      path: "/workflows/:workflow/graph",
      summary: "A workflow's graph with each task's cache status",
      responses: { 200: { description: "nodes and edges", schema: S.Graph } },
      handler: async ({ params }) => graphOf(await engine.openProject(options), params.workflow as string),
    },
    {
      method: "get",
      path: "/plan",
      summary: "rig plan --json",
      query: S.WorkflowQuery,
      responses: { 200: { description: "the plan", schema: S.PlanDocument } },
      handler: async ({ query, signal }) => engine.plan(options, { workflow: query.workflow as string | undefined }, call(signal)),
    },
    {
      method: "post",
      path: "/runs",
      summary: "Start an apply, create, rm or operation in the background",
      body: S.RunBody,
      responses: { 202: { description: "started", schema: S.RunStarted } },
      handler: async ({ body }) => startRun(state, body as z.infer<typeof S.RunBody>),
    },
    {
      method: "get",
      path: "/runs",
      summary: "The runs of this server",
      responses: { 200: { description: "runs, newest last", schema: S.RunList } },
      handler: async () => ({ runs: [...state.runs.all.values()].map((r) => r.view()) }),
    },
    {
      method: "get",
      path: "/runs/:id",
      summary: "A run: its status, and its result or error once finished",
      responses: { 200: { description: "the run", schema: S.RunView } },
      handler: async ({ params }) => runOf(state, params.id as string).view(),
    },
    {
      method: "post",
      path: "/runs/:id/cancel",
      summary: "Cancel a run: its processes are stopped and it is recorded cancelled",
      responses: { 200: { description: "the run once it ended", schema: S.RunView } },
      handler: async ({ params }) => {
        const run = runOf(state, params.id as string);
        run.controller.abort();
        await run.done;
        return run.view();
      },
    },
    {
      method: "get",
      path: "/runs/:id/events",
      summary: "The run's events (server-sent events; resumable with Last-Event-ID; ends with run.finished)",
      responses: { 200: { description: "text/event-stream", sse: true } },
      handler: async ({ params, request, query, signal }) => sseResponse(runOf(state, params.id as string).log, lastEventId(request, query), signal),
    },
    {
      method: "get",
      path: "/events",
      summary: "Every event of every run, and workspace status changes (server-sent events); ?lastEventId=now: only what comes next",
      responses: { 200: { description: "text/event-stream", sse: true } },
      // The dashboard asks for "now": it has just read the state, replaying history would repaint it.
      handler: async ({ request, query, signal }) =>
        sseResponse(state.runs.bus, query.lastEventId === "now" && !request.headers.get("last-event-id") ? (state.runs.bus.events.at(-1)?.seq ?? 0) : lastEventId(request, query), signal, false),
    },
    {
      method: "get",
      path: "/workspaces",
      summary: "rig ls --json: workspaces with their live status",
      query: S.WorkspaceQuery,
      responses: { 200: { description: "the workspaces", schema: S.WorkspaceList } },
      handler: async ({ query, signal }) => engine.listWorkspaces(options, { workflow: query.workflow as string | undefined }, call(signal)),
    },
    {
      method: "post",
      path: "/workspaces",
      summary: "Create (or, with from, fork) a workspace in the background",
      body: S.CreateBody,
      responses: { 202: { description: "started", schema: S.RunStarted } },
      handler: async ({ body }) => startRun(state, { ...(body as z.infer<typeof S.CreateBody>), kind: "create" }),
    },
    {
      method: "delete",
      path: "/workspaces/:name",
      summary: "rig rm --yes",
      query: S.RmQuery,
      responses: { 200: { description: "removed", schema: S.Removed } },
      handler: async ({ params, query, signal }) =>
        engine.removeWorkspaces(options, { names: [params.name as string], yes: true, force: query.force === "1", workflow: query.workflow as string | undefined }, call(signal)),
    },
    {
      method: "post",
      path: "/workspaces/:name/stop",
      summary: "rig stop",
      query: S.WorkspaceQuery,
      responses: { 200: { description: "stopped", schema: S.Stopped } },
      handler: async ({ params, query, signal }) => engine.stop(options, { names: [params.name as string], workflow: query.workflow as string | undefined }, call(signal)),
    },
    {
      method: "post",
      path: "/workspaces/:name/start",
      summary: "rig start",
      query: S.WorkspaceQuery,
      responses: { 200: { description: "started", schema: S.Started } },
      handler: async ({ params, query, signal }) => engine.start(options, { names: [params.name as string], workflow: query.workflow as string | undefined }, call(signal)),
    },
    {
      method: "post",
      path: "/workspaces/:name/exec",
      summary: "Run a command in a workspace: {exitCode, stdout, stderr}, or with ?stream=1 server-sent exec.output / exec.exit events",
      query: S.StreamQuery,
      body: S.ExecBody,
      responses: { 200: { description: "the command's result (or an event stream with ?stream=1)", schema: S.ExecResult } },
      handler: async ({ params, query, body, signal }) =>
        execIn(options, params.name as string, body as z.infer<typeof S.ExecBody>, { stream: query.stream === "1", signal: AbortSignal.any([signal, state.signal]) }),
    },
    {
      method: "post",
      path: "/workspaces/:name/operations/:operation",
      summary: "Run a workspace operation; the body is its input; answers its JSON result",
      body: S.OperationResult,
      responses: { 200: { description: "the operation's result", schema: S.OperationResult } },
      handler: async ({ params, body, signal }) =>
        engine.runOperation(options, { workspace: params.name as string, operation: params.operation as string, input: (body ?? {}) as Record<string, unknown> }, call(signal)),
    },
    {
      method: "get",
      path: "/cache",
      summary: "rig cache ls --json",
      query: S.WorkflowQuery,
      responses: { 200: { description: "cache entries", schema: S.CacheList } },
      handler: async ({ query, signal }) => {
        const workflow = (query.workflow as string | undefined) ?? (await engine.cacheWorkflow(options, call(signal)));
        return engine.cacheLs(options, { workflow });
      },
    },
    {
      method: "get",
      path: "/log",
      summary: "rig log --json",
      query: S.LogQuery,
      responses: { 200: { description: "history entries", schema: S.LogList } },
      handler: async ({ query }) => engine.log(options, { workflow: query.workflow as string | undefined, limit: query.limit as number | undefined }),
    },
  ];
}
