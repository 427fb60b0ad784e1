/**
 * The shapes of `rig serve`'s requests and responses, as zod schemas: requests are
 * validated with them and `/openapi.json` is generated from the same objects, so the
 * document cannot drift from what the server accepts. Responses are the CLI's `--json`
 * documents (README "Scripting").
 */
import { z } from "zod";

const name = z.string().describe("a workspace name: letters, digits, '.', '_', '-'");
const json = z.unknown();
const jsonObject = z.record(z.string(), z.unknown());

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), detail: z.array(z.string()).optional(), workspace: z.string().optional(), task: z.string().optional(), provider: z.string().optional() }),
});

export const PlanNode = z.object({
  path: z.string(),
  name: z.string(),
  status: z.enum(["cached", "pending"]),
  reason: z.string().nullable(),
  runId: z.string().nullable(),
  scope: z.enum(["local", "global"]).optional(),
});
export const Plan = z.object({ workflow: z.string(), nodeCount: z.number(), cachedCount: z.number(), cachedNodeCount: z.number().optional(), nodes: z.array(PlanNode) });
export const PlanDocument = z.union([Plan, z.object({ workflows: z.array(Plan) })]);

export const WorkspaceInfo = z.object({ name: z.string(), workflow: z.string(), ctx: json, createdAt: z.string() });
export const ListedWorkspace = WorkspaceInfo.extend({ status: z.string(), expiresAt: z.string().nullable() }).loose();
export const WorkspaceList = z.object({
  workspaces: z.array(ListedWorkspace),
  workflows: z.array(z.object({ name: z.string(), workspaces: z.array(z.string()), appliedAt: z.string().nullable() })),
});
export const Created = z.object({ workspaces: z.array(WorkspaceInfo) });
export const Removed = z.object({ removed: z.array(z.string()) });
export const Stopped = z.object({ stopped: z.array(z.string()) });
export const Started = z.object({ started: z.array(z.string()) });

export const ExecBody = z
  .object({
    argv: z.array(z.string()).min(1).optional().describe("the command and its arguments (no shell)"),
    command: z.string().min(1).optional().describe("a shell command line (run with sh -c)"),
    cwd: z.string().optional().describe("a directory relative to the workspace's (never outside it)"),
    timeoutMs: z.number().int().positive().optional().describe("stop the command (and its processes) after this long"),
  })
  .refine((b) => (b.argv === undefined) !== (b.command === undefined), { message: "give exactly one of argv or command" });
export const ExecResult = z.object({ exitCode: z.number(), stdout: z.string(), stderr: z.string(), timedOut: z.boolean().optional() });

export const CreateBody = z.object({
  name: name.optional(),
  names: z.array(name).optional(),
  workflow: z.string().optional(),
  from: name.optional().describe("fork this live workspace instead of the workflow's result"),
  ttl: z.string().optional().describe("a lease, e.g. 4h"),
  onExpiry: z.enum(["stop", "remove"]).optional(),
});

export const RunBody = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("apply"), workflow: z.string().optional(), all: z.boolean().optional(), concurrency: z.number().int().positive().optional() }),
  CreateBody.extend({ kind: z.literal("create") }),
  z.object({ kind: z.literal("rm"), names: z.array(name).optional(), all: z.boolean().optional(), force: z.boolean().optional(), workflow: z.string().optional() }),
  z.object({ kind: z.literal("operation"), operation: z.string(), workspace: name.nullable().optional(), workflow: z.string().optional(), input: jsonObject.optional() }),
]);

export const RunStarted = z.object({ id: z.string(), eventsUrl: z.string() });
export const RunView = z.object({
  id: z.string(),
  kind: z.enum(["apply", "create", "rm", "operation"]),
  status: z.enum(["running", "ok", "failed", "cancelled"]),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  result: json.optional(),
  error: z.object({ code: z.string(), message: z.string(), detail: z.array(z.string()) }).optional(),
});
export const RunList = z.object({ runs: z.array(RunView) });

export const Project = z.object({
  root: z.string(),
  projectDir: z.string(),
  configPath: z.string(),
  id: z.string(),
  stateFile: z.string(),
  workflows: z.array(z.string()),
});

export const Operation = z.object({
  id: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  scope: z.enum(["workspace", "workflow"]),
  input: json.describe("the operation's input as a JSON schema"),
});
export const Workflows = z.object({
  workflows: z.array(z.object({ name: z.string(), tasks: z.array(z.string()), hasWorkspaces: z.boolean(), providers: z.array(z.string()).describe("the providers the workspace hooks see"), operations: z.array(Operation) })),
});

export const Graph = z.object({
  nodes: z.array(
    z.object({
      id: z.string(),
      path: z.string(),
      name: z.string(),
      kind: z.enum(["task", "sequence", "parallel"]),
      status: z.string().nullable(),
      reason: z.string().nullable(),
      runId: z.string().nullable(),
    }),
  ),
  edges: z.array(z.object({ from: z.string(), to: z.string(), type: z.enum(["contains", "feeds"]).describe("contains: a group holds the node; feeds: a task makes the next one's incoming context") })),
});

export const CacheList = z.object({ entries: z.array(z.object({ path: z.string(), name: z.string(), runId: z.string(), createdAt: z.string(), invalidated: z.boolean(), scope: z.string() }).loose()) });
export const LogList = z.object({ entries: z.array(jsonObject) });
export const OperationResult = json;
export const WorkflowQuery = z.object({ workflow: z.string().optional() });
export const LogQuery = z.object({ workflow: z.string().optional(), limit: z.coerce.number().int().positive().optional() });
export const StreamQuery = z.object({ stream: z.enum(["0", "1"]).optional() });
export const RmQuery = z.object({ force: z.enum(["0", "1"]).optional(), workflow: z.string().optional() });
export const WorkspaceQuery = z.object({ workflow: z.string().optional() });
