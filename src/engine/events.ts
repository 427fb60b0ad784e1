/**
 * The typed events engine functions emit while they work (docs/architecture.md "Events").
 * Every front end renders the same stream: the CLI's timeline and plain lines, `rig
 * serve`'s server-sent events, `rig mcp`'s progress. Events are plain JSON; every string
 * that can carry user output has been through the secrets mask before it is emitted.
 */
import type { ErrorCode } from "../errors.ts";
import type { JsonObject } from "../sdk/types.ts";

export type TaskEvent =
  | { type: "task.cached"; workflow: string; path: string; runId: string }
  | { type: "task.queued"; workflow: string; path: string }
  | { type: "task.started"; workflow: string; path: string; attempt: number; attempts: number }
  | { type: "task.output"; workflow: string; path: string; line: string }
  | { type: "task.retrying"; workflow: string; path: string; attempt: number; attempts: number; delayMs: number }
  | {
      type: "task.finished";
      workflow: string;
      path: string;
      status: "done" | "failed" | "cancelled";
      durationMs: number;
      runId: string;
      logPath: string;
      error?: { code: ErrorCode; message: string };
    };

export type ApplyEvent =
  | { type: "apply.started"; workflow: string; pending: string[]; cached: string[] }
  | { type: "apply.finished"; workflow: string; ran: string[]; cached: string[]; status: "ok" | "failed" | "cancelled" };

export type WorkspaceEvent =
  | { type: "workspace.status"; workflow: string; name: string; status: string; outdated?: boolean }
  | { type: "workspace.created"; workflow: string; name: string; ctx: JsonObject }
  | { type: "workspace.removed"; workflow: string; name: string }
  /** A line a workspace hook (create, remove, fork, start, stop) printed. */
  | { type: "workspace.output"; workflow: string; name: string; line: string };

export type ExecEvent =
  | { type: "exec.output"; workspace: string; workflow?: string; stream: "stdout" | "stderr"; data: string }
  | { type: "exec.exit"; workspace: string; workflow?: string; exitCode: number };

export type OperationEvent =
  /** A line the operation printed; `label` is how the CLI names it (`ws1/test`, `seed`). */
  | { type: "operation.output"; workflow: string; workspace: string | null; operation: string; label: string; line: string }
  /** `result`: the operation's JSON result, when it ended with one (`runMany`). */
  | { type: "operation.finished"; workflow: string; workspace: string | null; operation: string; exitCode: number; result?: unknown };

/** Work on several workspaces at once (`execMany`, `runMany`). */
export type ManyEvent =
  /** These workspaces, in this order (a renderer sizes its prefixes from them). */
  | { type: "many.started"; workspaces: { workflow: string; name: string }[] }
  /** One of them failed without a result of its own: not ready, an error, interrupted. */
  | { type: "many.failed"; workflow: string; workspace: string; code: ErrorCode; message: string; detail: string[] };

/**
 * Something a person should read that is not a result: waiting for a lock or a slot, a
 * provider check's warning, what was done before a failure ended the call.
 */
export type NoticeEvent = { type: "notice"; level: "info" | "warning" | "success"; message: string };

export type RigEvent = TaskEvent | ApplyEvent | WorkspaceEvent | ExecEvent | OperationEvent | ManyEvent | NoticeEvent;

export type RigEventType = RigEvent["type"];

/** Where an engine function sends its events. */
export type EventSink = (event: RigEvent) => void;

/** A sink that drops everything (callers that want only the result). */
export const ignoreEvents: EventSink = () => {};

/** Sends every event to each of the sinks. */
export const fanOut =
  (...sinks: (EventSink | undefined)[]): EventSink =>
  (event) => {
    for (const sink of sinks) sink?.(event);
  };
