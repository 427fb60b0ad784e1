/**
 * `rig mcp`: a Model Context Protocol server on stdio for coding agents (README "rig mcp"),
 * built with the official SDK. Each tool is a call of the engine's API (the same functions
 * the CLI runs) with a zod input; what it returns is the CLI's `--json` document as text.
 * Bad input and failures are tool errors (`isError`), never a crash of the server. Long
 * calls (apply, create) send MCP progress notifications from the engine's events.
 */
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import * as engine from "../engine/api.ts";
import { freeName } from "../engine/api/create.ts";
import type { RigEvent } from "../engine/events.ts";
import type { ProjectOptions } from "../engine/project/locate.ts";
import type { Project } from "../engine/project/project.ts";
import { RigError, isRigError, messageOf } from "../errors.ts";
import { VERSION } from "../version.ts";
import { runExec } from "../serve/exec.ts";
import { listFiles, readFile, writeFile } from "./files.ts";

/** What an exec tool call returns of each stream at most (the end is kept: errors come last). */
export const OUTPUT_CAP = 64 * 1024;
export const DEFAULT_EXEC_TIMEOUT_MS = 120_000;
export const MAX_EXEC_TIMEOUT_MS = 30 * 60_000;

type ToolResult = { content: { type: "text"; text: string }[]; isError?: boolean; structuredContent?: Record<string, unknown> };

const ok = (value: unknown): ToolResult => ({ content: [{ type: "text", text: JSON.stringify(value, null, 2) }] });

/** A failure as the tool's error: the code, the message and its detail lines. */
export function toolError(error: unknown): ToolResult {
  const code = isRigError(error) ? error.code : "ERROR";
  const detail = isRigError(error) ? error.detail : [];
  return { isError: true, content: [{ type: "text", text: [`${code}: ${messageOf(error)}`, ...detail.map((d) => `  ${d}`)].join("\n") }] };
}

/** Keeps the last `cap` characters, saying how much was cut. */
export function capOutput(text: string, cap = OUTPUT_CAP): { text: string; cut: number } {
  if (text.length <= cap) return { text, cut: 0 };
  const cut = text.length - cap;
  return { text: `[… ${cut} characters cut; the output's last ${cap} follow …]\n${text.slice(-cap)}`, cut };
}

interface Extra {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification: (n: { method: "notifications/progress"; params: { progressToken: string | number; progress: number; message?: string } }) => Promise<void>;
}

/** Notifications still on their way per request: the result waits for them, so none arrives after it. */
const pending = new WeakMap<Extra, Promise<unknown>>();

/**
 * Waits until the request's progress notifications are written, then a moment more: the
 * SDK's client handles a notification a microtask later than a response that arrives in
 * the same read, and drops progress whose request has been answered.
 */
async function flushed(extra: Extra): Promise<void> {
  if (!pending.has(extra)) return;
  await pending.get(extra);
  await Bun.sleep(50);
}

/** Engine events as MCP progress notifications, when the client asked for them. */
function progressOf(extra: Extra): ((event: RigEvent) => void) | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let step = 0;
  return (event) => {
    const message =
      event.type === "task.started" ? `run ${event.path}` :
      event.type === "task.finished" ? `${event.status} ${event.path}` :
      event.type === "task.cached" ? `cached ${event.path}` :
      event.type === "workspace.created" ? `created ${event.name}` :
      event.type === "workspace.removed" ? `removed ${event.name}` :
      event.type === "notice" ? event.message : null;
    if (message === null) return;
    const sent = extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: ++step, message } }).catch((e) => { if (process.env.RIGKIT_DEBUG === "1") process.stderr.write(`rig mcp: progress: ${e}\n`); });
    pending.set(extra, Promise.all([pending.get(extra), sent]));
  };
}

export function mcpServer(options: ProjectOptions, project: Project | null, serverSignal: AbortSignal): McpServer {
  const server = new McpServer({ name: "rig", version: VERSION }, { capabilities: { logging: {} } });
  const call = (extra: Extra) => ({ signal: AbortSignal.any([extra.signal, serverSignal]), events: progressOf(extra), prompter: null });
  const tool = <Shape extends z.ZodRawShape>(name: string, description: string, shape: Shape, run: (input: z.infer<z.ZodObject<Shape>>, extra: Extra) => Promise<unknown>) =>
    server.registerTool(name, { description, inputSchema: shape }, (async (input: z.infer<z.ZodObject<Shape>>, extra: Extra) => {
      try {
        const result = await run(input, extra);
        await flushed(extra);
        return ok(result);
      } catch (error) {
        await flushed(extra);
        return toolError(error);
      }
    }) as never);

  const workspace = z.string().describe("the workspace's name");
  const workflow = z.string().optional().describe("the workflow (needed only when several have a workspace of that name)");

  tool("list_workspaces", "The project's workspaces with their live status (rig ls --json).", { workflow }, (input, extra) =>
    engine.listWorkspaces(options, { workflow: input.workflow }, call(extra)),
  );

  tool(
    "create_workspace",
    "Create a workspace from the workflow's prepared result (applying what is stale first), or fork a live workspace with `from`. Returns rig create --json.",
    { name: z.string().optional().describe("its name (default: the first free ws1, ws2, …)"), workflow, from: z.string().optional().describe("fork this live workspace as it is now"), ttl: z.string().optional().describe("a lease, e.g. 4h") },
    async (input, extra) => {
      let name = input.name;
      if (name === undefined) {
        const { workspaces } = await engine.listWorkspaces(options, { cached: true }, { prompter: null });
        name = freeName(new Set(workspaces.map((w) => w.name)));
      }
      return engine.createWorkspaces(options, { names: [name], workflow: input.workflow, from: input.from, ttl: input.ttl }, call(extra));
    },
  );

  tool("remove_workspace", "Remove a workspace (its remove hook runs). Returns rig rm --json.", { name: workspace, workflow, force: z.boolean().optional() }, (input, extra) =>
    engine.removeWorkspaces(options, { names: [input.name], workflow: input.workflow, force: input.force, yes: true }, call(extra)),
  );

  tool(
    "exec",
    `Run a command in a workspace: argv (no shell) or command (a sh command line), in cwd (relative to the workspace). It is stopped with everything it started after timeoutMs (default ${DEFAULT_EXEC_TIMEOUT_MS / 1000} s; exit code 124). Output over ${OUTPUT_CAP / 1024} KiB per stream keeps its end and says so.`,
    {
      workspace,
      argv: z.array(z.string()).min(1).optional(),
      command: z.string().min(1).optional(),
      cwd: z.string().optional(),
      timeoutMs: z.number().int().positive().max(MAX_EXEC_TIMEOUT_MS).optional(),
    },
    async (input, extra) => {
      if ((input.argv === undefined) === (input.command === undefined)) throw new RigError("INVALID_INPUT", "Give exactly one of argv or command");
      const timeoutMs = input.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
      const result = await runExec(options, input.workspace, { argv: input.argv, command: input.command, cwd: input.cwd, timeoutMs }, { signal: call(extra).signal });
      const stdout = capOutput(result.stdout);
      const stderr = capOutput(result.stderr);
      return {
        exitCode: result.exitCode,
        ...(result.timedOut && { timedOut: true, note: `stopped after ${timeoutMs} ms with every process it started` }),
        stdout: stdout.text,
        stderr: stderr.text,
        ...((stdout.cut || stderr.cut) && { truncated: { stdoutCut: stdout.cut, stderrCut: stderr.cut } }),
      };
    },
  );

  tool(
    "read_file",
    "Read a file of a workspace (path relative to its directory; no .., no symlinks followed). Text as is, other bytes as base64; at most 256 KiB per call (offset and limit page through).",
    { workspace, path: z.string(), offset: z.number().int().nonnegative().optional(), limit: z.number().int().positive().optional() },
    (input, extra) => readFile(options, input.workspace, input.path, input, call(extra).signal),
  );

  tool(
    "write_file",
    "Write a file in a workspace (made or replaced; missing parent directories are made). Paths as for read_file.",
    { workspace, path: z.string(), content: z.string(), encoding: z.enum(["utf8", "base64"]).optional() },
    (input, extra) => writeFile(options, input.workspace, input.path, input.content, input.encoding ?? "utf8", call(extra).signal),
  );

  tool("list_files", "List a directory of a workspace (default: its top).", { workspace, path: z.string().optional() }, (input, extra) =>
    listFiles(options, input.workspace, input.path ?? ".", call(extra).signal),
  );

  tool(
    "run_operation",
    "Run an operation of the config: a workspace operation (with workspace) or a workflow operation. `input` is the operation's input (see the run_<operation> tools for each one's schema).",
    { operation: z.string(), workspace: z.string().optional(), workflow, input: z.record(z.string(), z.unknown()).optional() },
    (input, extra) => engine.runOperation(options, { workspace: input.workspace ?? null, operation: input.operation, workflow: input.workflow, input: input.input ?? {} }, call(extra)),
  );

  tool("diff", "What changed in a workspace since it was made (rig diff --json: files, and the unified diff unless stat).", { workspace, workflow, stat: z.boolean().optional() }, (input, extra) =>
    engine.diff(options, { workspace: input.workspace, workflow: input.workflow, stat: input.stat }, call(extra)),
  );

  tool("plan", "What is cached and what would run, per task (rig plan --json).", { workflow }, (input, extra) => engine.plan(options, { workflow: input.workflow }, call(extra)));

  tool("apply", "Run what is stale (rig apply --json).", { workflow }, (input, extra) => engine.apply(options, { workflow: input.workflow }, call(extra)));

  // One tool per operation, whose input schema is the operation's own zod input.
  if (project) {
    const seen = new Map<string, number>();
    for (const wf of project.workflows) for (const id of [...wf.workspaceOperations.keys(), ...wf.operations.keys()]) seen.set(id, (seen.get(id) ?? 0) + 1);
    for (const wf of project.workflows) {
      for (const [scope, ops] of [["workspace", wf.workspaceOperations], ["workflow", wf.operations]] as const) {
        for (const op of ops.values()) {
          const name = `run_${(seen.get(op.id) ?? 0) > 1 ? `${wf.name}_` : ""}${op.id}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
          const own = (op.input as { shape?: z.ZodRawShape } | undefined)?.shape ?? {};
          const shape: z.ZodRawShape = scope === "workspace" ? { workspace, ...own } : { ...own };
          const describe = `${op.title ?? op.description ?? `Run ${op.id}`} (${scope === "workspace" ? `workspace operation ${op.id}` : `workflow operation ${op.id}`} of ${wf.name}).`;
          try {
            tool(name, describe, shape, async (input, extra) => {
              const { workspace: target, ...values } = input as Record<string, unknown>;
              return engine.runOperation(options, { workspace: scope === "workspace" ? (target as string) : null, operation: op.id, workflow: wf.name, input: scope === "workspace" ? values : (input as Record<string, unknown>) }, call(extra));
            });
          } catch {
            // a name taken twice, or a schema the SDK cannot use: run_operation still reaches it
          }
        }
      }
    }
  }

  // A resource per workspace: its ls entry (status, context, lease).
  server.registerResource(
    "workspace",
    new ResourceTemplate("rig://workspaces/{name}", {
      list: async () => {
        const { workspaces } = await engine.listWorkspaces(options, { cached: true }, { prompter: null });
        return { resources: workspaces.map((w) => ({ uri: `rig://workspaces/${w.name}`, name: w.name, description: `workspace ${w.name} of ${w.workflow}`, mimeType: "application/json" })) };
      },
    }),
    { description: "A workspace of this project: status, context and lease (rig ls --json entry)", mimeType: "application/json" },
    async (uri, variables) => {
      const { workspaces } = await engine.listWorkspaces(options, {}, { prompter: null });
      const found = workspaces.filter((w) => w.name === variables.name);
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(found.length === 1 ? found[0] : found, null, 2) }] };
    },
  );
  return server;
}
