/**
 * The API's resources (README "Dashboard"; bodies are the CLI's `--json` shapes). Reads
 * and workspace changes run the CLI itself (src/serve/rigcall.ts); an apply runs in this
 * process so its tasks stream (src/serve/apply.ts).
 */
import { basename } from "node:path";
import type { ProjectOptions } from "../engine/locate.ts";
import { errorAnswer, rigJson } from "./rigcall.ts";
import { securityHeaders } from "./dashboard.ts";
import type { EventHub } from "./hub.ts";
import type { StateWatcher } from "./watch.ts";

export interface ServerContext {
  project: ProjectOptions;
  root: string;
  hub: EventHub;
  watcher: StateWatcher;
}

interface Run {
  id: string;
  kind: string;
  status: "running" | "ok" | "failed" | "cancelled";
  result?: unknown;
  error?: unknown;
  controller: AbortController;
}

const runs = new Map<string, Run>();
let runCount = 0;
/** Last status seen per workspace, to publish only changes. */
const lastStatus = new Map<string, string>();

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: securityHeaders({ "Content-Type": "application/json; charset=utf-8" }) });

async function body(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (!text) return {};
  const parsed = JSON.parse(text);
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw Object.assign(new Error("the body must be a JSON object"), { code: "USAGE" });
  return parsed;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const workflowArgs = (w: unknown) => (str(w) ? ["--workflow", str(w) as string] : []);

/** `rig ls --json`, publishing each workspace whose live status changed since last asked. */
async function listWorkspaces(ctx: ServerContext): Promise<{ workspaces: { name: string; workflow: string; status: string }[] }> {
  const listed = (await rigJson(ctx.project, ["ls"])) as { workspaces: { name: string; workflow: string; status: string; outdated?: boolean }[] };
  for (const ws of listed.workspaces) {
    const key = `${ws.workflow}\0${ws.name}`;
    const before = lastStatus.get(key);
    lastStatus.set(key, ws.status);
    if (before !== undefined && before !== ws.status) ctx.hub.publish({ type: "workspace.status", workflow: ws.workflow, name: ws.name, status: ws.status, ...(ws.outdated !== undefined ? { outdated: ws.outdated } : {}) });
  }
  return listed;
}

/** The flags of an operation's input (`rig run ws op --flag value`), from the manifest's fields. */
async function operationArgs(ctx: ServerContext, workflow: string | undefined, op: string, input: Record<string, unknown>, workspaceOp: boolean): Promise<string[]> {
  const config = (await rigJson(ctx.project, ["ls", "config"])) as { workflows: { name: string; workspaceOperations: { id: string; inputs: { key: string; flag: string; kind: string }[] }[]; operations: { id: string; inputs: { key: string; flag: string; kind: string }[] }[] }[] };
  const fields = config.workflows
    .filter((w) => workflow === undefined || w.name === workflow)
    .flatMap((w) => (workspaceOp ? w.workspaceOperations : w.operations))
    .find((o) => o.id === op)?.inputs ?? [];
  const args: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    const field = fields.find((f) => f.key === key);
    const flag = `--${field?.flag ?? key}`;
    if (value === true) args.push(flag);
    else if (value === false) args.push(`--no-${field?.flag ?? key}`);
    else args.push(flag, typeof value === "string" ? value : JSON.stringify(value));
  }
  return args;
}

function startRun(ctx: ServerContext, kind: string, work: (signal: AbortSignal) => Promise<unknown>): Response {
  const id = `r${++runCount}-${Date.now().toString(36)}`;
  const run: Run = { id, kind, status: "running", controller: new AbortController() };
  runs.set(id, run);
  ctx.hub.publish({ type: "run.started", id, kind });
  work(run.controller.signal).then(
    (result) => Object.assign(run, { status: "ok", result }),
    (error) => Object.assign(run, { status: run.controller.signal.aborted ? "cancelled" : "failed", error: errorAnswer(error).body.error }),
  ).finally(() => ctx.hub.publish({ type: "run.finished", id, kind, status: run.status }));
  return json(202, { id, eventsUrl: "/events" });
}

const view = ({ controller, ...run }: Run) => run;

export async function apiRoute(req: Request, url: URL, ctx: ServerContext): Promise<Response | null> {
  const m = req.method;
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const q = (name: string) => url.searchParams.get(name) ?? undefined;
  try {
    if (m === "GET" && url.pathname === "/project") return json(200, { name: basename(ctx.root), root: ctx.root });
    if (m === "GET" && url.pathname === "/workflows") {
      const { workflowsOf } = await import("./graphof.ts");
      return json(200, await workflowsOf(ctx.project));
    }
    if (m === "GET" && parts[0] === "workflows" && parts.length === 3 && parts[2] === "graph") {
      const { graphOf } = await import("./graphof.ts");
      return json(200, await graphOf(ctx.project, parts[1] as string));
    }
    if (m === "GET" && url.pathname === "/plan") return json(200, await rigJson(ctx.project, ["plan", ...workflowArgs(q("workflow"))]));
    if (m === "GET" && url.pathname === "/log") return json(200, await rigJson(ctx.project, ["log", ...workflowArgs(q("workflow"))]));
    if (m === "GET" && url.pathname === "/workspaces") return json(200, await listWorkspaces(ctx));
    if (m === "GET" && url.pathname === "/runs") return json(200, { runs: [...runs.values()].map(view) });
    if (m === "GET" && parts[0] === "runs" && parts.length === 2) {
      const run = runs.get(parts[1] as string);
      return run ? json(200, view(run)) : json(404, { error: { code: "NOT_FOUND", message: `No run ${parts[1]}` } });
    }
    if (m === "POST" && parts[0] === "runs" && parts.length === 3 && parts[2] === "cancel") {
      const run = runs.get(parts[1] as string);
      if (!run) return json(404, { error: { code: "NOT_FOUND", message: `No run ${parts[1]}` } });
      run.controller.abort();
      return json(202, view(run));
    }
    if (m === "POST" && url.pathname === "/runs") {
      const b = await body(req);
      if (b.kind === "apply") {
        const { applyWithEvents } = await import("./apply.ts");
        return startRun(ctx, "apply", (signal) => applyWithEvents(ctx.project, str(b.workflow), (e) => ctx.hub.publish(e), signal));
      }
      if (b.kind === "create") return startRun(ctx, "create", (signal) => rigJson(ctx.project, createArgs(b), signal));
      if (b.kind === "rm") return startRun(ctx, "rm", (signal) => rigJson(ctx.project, ["rm", String(b.name), "--yes", ...workflowArgs(b.workflow)], signal));
      return json(400, { error: { code: "USAGE", message: `kind must be apply, create or rm, not ${JSON.stringify(b.kind)}` } });
    }
    if (parts[0] === "workspaces") {
      if (m === "POST" && parts.length === 1) return json(201, await rigJson(ctx.project, createArgs(await body(req))));
      const name = parts[1] as string;
      const wf = workflowArgs(q("workflow"));
      if (m === "DELETE" && parts.length === 2) return json(200, await rigJson(ctx.project, ["rm", name, "--yes", ...wf]));
      if (m === "POST" && parts.length === 3 && (parts[2] === "stop" || parts[2] === "start")) {
        const result = await rigJson(ctx.project, [parts[2], name, ...wf]);
        await listWorkspaces(ctx).catch(() => {});
        return json(200, result ?? {});
      }
      if (m === "POST" && parts.length === 4 && parts[2] === "operations") {
        const op = parts[3] as string;
        const args = await operationArgs(ctx, q("workflow"), op, await body(req), true);
        const result = await rigJson(ctx.project, ["run", name, op, ...wf, ...args]);
        return json(200, result);
      }
    }
    return null;
  } catch (error) {
    if (error instanceof SyntaxError) return json(400, { error: { code: "USAGE", message: `the body is not JSON: ${error.message}` } });
    const answer = errorAnswer(error);
    return json(answer.status, answer.body);
  }
}

function createArgs(b: Record<string, unknown>): string[] {
  if (!str(b.name)) throw Object.assign(new Error("name is required"), { code: "USAGE" });
  return ["create", str(b.name) as string, ...workflowArgs(b.workflow), ...(str(b.from) ? ["--from", str(b.from) as string] : []), ...(str(b.ttl) ? ["--ttl", str(b.ttl) as string] : [])];
}
