/**
 * Runs of `rig serve`: long calls (apply, create, rm, operations) started by `POST /runs`
 * (or `POST /workspaces`) that answer 202 at once and go on in the background. Each keeps
 * its events, numbered, so `GET /runs/:id/events` can replay them and resume after a
 * dropped connection (`Last-Event-ID`); every event also goes to the server-wide bus
 * (`GET /events`). Cancelling aborts the run's signal: the engine stops its processes and
 * records the work as cancelled.
 */
import type { RigEvent } from "../engine/events.ts";
import { messageOf, isRigError } from "../errors.ts";

export type RunKind = "apply" | "create" | "rm" | "operation";
export type RunStatus = "running" | "ok" | "failed" | "cancelled";

export interface StreamEvent {
  seq: number;
  type: string;
  data: unknown;
}

/** Events a run keeps for replay; beyond it the oldest task output goes first (the log has it all). */
const KEEP_EVENTS = 5000;

/** A stream of numbered events that listeners can join at any point. */
export class EventLog {
  private seq = 0;
  readonly events: StreamEvent[] = [];
  private readonly listeners = new Set<(event: StreamEvent) => void>();
  closed = false;

  push(type: string, data: unknown): StreamEvent {
    const event = { seq: ++this.seq, type, data };
    this.events.push(event);
    if (this.events.length > KEEP_EVENTS) {
      const output = this.events.findIndex((e) => e.type.endsWith(".output"));
      this.events.splice(output >= 0 ? output : 0, 1);
    }
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Events after `after`, then live ones, until `close()`; returns the unsubscribe. */
  follow(after: number, listener: (event: StreamEvent) => void, onClose: () => void): () => void {
    for (const event of this.events) if (event.seq > after) listener(event);
    if (this.closed) {
      onClose();
      return () => {};
    }
    const wrapped = (event: StreamEvent) => listener(event);
    this.listeners.add(wrapped);
    this.closers.add(onClose);
    return () => {
      this.listeners.delete(wrapped);
      this.closers.delete(onClose);
    };
  }

  private readonly closers = new Set<() => void>();

  hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  close(): void {
    this.closed = true;
    for (const close of this.closers) close();
    this.closers.clear();
    this.listeners.clear();
  }
}

export interface RunView {
  id: string;
  kind: RunKind;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  result?: unknown;
  error?: { code: string; message: string; detail: string[] };
}

export class Run {
  readonly id = crypto.randomUUID();
  status: RunStatus = "running";
  readonly log = new EventLog();
  readonly controller = new AbortController();
  readonly startedAt = new Date();
  finishedAt: Date | null = null;
  result?: unknown;
  error?: RunView["error"];
  done: Promise<void> = Promise.resolve();

  constructor(readonly kind: RunKind) {}

  view(): RunView {
    return {
      id: this.id,
      kind: this.kind,
      status: this.status,
      startedAt: this.startedAt.toISOString(),
      finishedAt: this.finishedAt?.toISOString() ?? null,
      ...(this.result !== undefined && { result: this.result }),
      ...(this.error !== undefined && { error: this.error }),
    };
  }
}

/** The server's runs and its event bus. */
export class Runs {
  readonly all = new Map<string, Run>();
  readonly bus = new EventLog();
  /** State-changing runs go one at a time: rig's project lock is per process (src/state/lock.ts). */
  private queue: Promise<unknown> = Promise.resolve();

  start(kind: RunKind, work: (run: Run, emit: (event: RigEvent) => void) => Promise<unknown>): Run {
    const run = new Run(kind);
    this.all.set(run.id, run);
    const emit = (event: RigEvent) => {
      run.log.push(event.type, event);
      this.bus.push(event.type, { ...event, run: run.id });
    };
    const go = async () => {
      if (run.controller.signal.aborted) throw Object.assign(new Error("Cancelled before it started"), { code: "INTERRUPTED" });
      return work(run, emit);
    };
    const next = this.queue.then(go, go);
    this.queue = next.catch(() => undefined);
    run.done = next.then(
      (result) => {
        run.status = "ok";
        run.result = result;
      },
      (error: unknown) => {
        const code = isRigError(error) ? error.code : ((error as { code?: string })?.code ?? "TASK_FAILED");
        run.status = run.controller.signal.aborted || code === "INTERRUPTED" ? "cancelled" : "failed";
        run.error = { code, message: messageOf(error), detail: isRigError(error) ? error.detail : [] };
      },
    ).finally(() => {
      run.finishedAt = new Date();
      const finished = { id: run.id, kind: run.kind, status: run.status, ...(run.error && { error: run.error }) };
      run.log.push("run.finished", finished);
      this.bus.push("run.finished", finished);
      run.log.close();
    });
    return run;
  }

  /** Cancels every running run and waits for them to be recorded. */
  async cancelAll(): Promise<void> {
    const running = [...this.all.values()].filter((r) => r.status === "running");
    for (const run of running) run.controller.abort();
    await Promise.all(running.map((r) => r.done));
  }
}

/** A server-sent event stream of `log` from after `lastEventId`, ending when the log closes. */
export function sseResponse(log: EventLog, lastEventId: number, signal: AbortSignal, end = true): Response {
  const encoder = new TextEncoder();
  let unsubscribe = () => {};
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const close = () => {
        if (!open) return;
        open = false;
        clearInterval(heartbeat);
        unsubscribe();
        try {
          controller.close();
        } catch {
          // the client left first
        }
      };
      const send = (text: string) => {
        if (!open) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          close();
        }
      };
      send("retry: 1000\n\n");
      unsubscribe = log.follow(
        lastEventId,
        (event) => send(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`),
        () => end && close(),
      );
      // A comment now and then keeps proxies and idle timers from closing a quiet stream.
      heartbeat = setInterval(() => send(": keep-alive\n\n"), 15_000);
      signal.addEventListener("abort", close, { once: true });
    },
    cancel() {
      clearInterval(heartbeat);
      unsubscribe();
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" },
  });
}
