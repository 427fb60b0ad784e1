/**
 * `rig apply`: evaluates the graph, reusing cached runs and running pending tasks
 * (parallel branches concurrently). Every finished task is recorded at once, so a later
 * failure or an interrupt never loses earlier results.
 */
import { availableParallelism } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { KEPT_CODES, RigError, isRigError, messageOf } from "../../errors.ts";
import { thrownBy } from "../thrown.ts";
import { type Activity, runInActivity } from "../../host/activity.ts";
import { host } from "../../host/local.ts";
import type { JsonObject } from "../../sdk/types.ts";
import { acquireLock, describeHolder } from "../../state/lock.ts";
import { DEFAULT_LOCK_TIMEOUT_MS } from "../options.ts";
import type { Store } from "../../state/store.ts";
import { collectArtifacts, decide, keyDetail, snapshotLookup, upstreamKeys } from "./cache.ts";
import { captureConsole } from "../capture.ts";
import { supervised, timeoutOption } from "../deadline.ts";
import { fault } from "../fault.ts";
import { Slots } from "../slots.ts";
import type { CompiledWorkflow, ProviderDecl, Step, TaskNode } from "./compile.ts";
import { plan } from "./plan.ts";
import { inScope, preflight } from "./preflight.ts";
import { findNonJson, isPlainObject } from "../json.ts";
import type { Project } from "../project/project.ts";
import { RunLog, pruneLogs } from "./runlog.ts";
import { resultOf } from "../workspaces/outdated.ts";
import { sealKey, sealsOf } from "./seals.ts";
import { redact, refuseSecrets } from "../../host/secrets.ts";
import type { EventSink } from "../events.ts";

/** How often one task may send evaluation back to an earlier task before we stop it. */
export const MAX_INVALIDATION_PASSES = 3;

export interface ApplyOptions {
  signal?: AbortSignal;
  /** Where task and apply events go (src/engine/events.ts); the CLI renders its timeline from them. */
  events?: EventSink;
  /** How long to wait for another project holding a shared fragment's lock (default 5 min). */
  lockTimeoutMs?: number;
  /** At most this many tasks run at once (default: the number of CPUs). */
  concurrency?: number;
  /** Providers of work that follows the apply (create's workspace hooks): checked in the preflight too. */
  preflight?: readonly ProviderDecl[];
}

/** The `.global()` fragment locks an apply holds, each taken on first need, all released at its end. */
class FragmentLocks {
  private readonly held = new Map<string, () => void>();

  constructor(private readonly options: ApplyOptions) {}

  /** Takes the fragment's lock; true if this call took it (false: already held). */
  async fragment(hash: string, store: Store): Promise<boolean> {
    if (this.held.has(hash)) return false;
    const release = await acquireLock(store, {
      command: `apply (shared fragment ${hash.slice(0, 12)})`,
      timeoutMs: this.options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      signal: this.options.signal,
      // Told once per fragment, as the project lock's wait is (api/call.ts).
      onWait: (holder) =>
        this.options.events?.({ type: "notice", level: "info", message: `Waiting for ${describeHolder(holder)} to finish with shared fragment ${hash.slice(0, 12)}…` }),
    });
    this.held.set(hash, release);
    return true;
  }

  releaseAll(): void {
    for (const release of this.held.values()) release();
    this.held.clear();
  }
}

export interface ApplyResult {
  workflow: string;
  ran: string[];
  cached: string[];
  ctx: JsonObject;
}

/**
 * A context, or the run whose stored output it is. Cached chains pass run ids along and
 * parse an output only when a running task, a join or the final result needs it.
 */
type LazyCtx = { value: JsonObject } | { runId: string; store: Store };

/** Thrown by a task that called `step.invalidate()`: evaluation restarts from the target. */
class Restart {
  constructor(
    readonly requester: TaskNode,
    readonly target: TaskNode,
  ) {}
}

const newRunId = (): string => `r${Date.now().toString(36)}${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;

/** Resolves after `ms`, or at once when `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

function taskError(node: TaskNode, error: unknown): RigError {
  const inner = isRigError(error) ? error : null;
  // A config mistake found while running (a provider's configSchema) stays a config error.
  if (inner?.code === "CONFIG_ERROR") return inner;
  const task = `${node.workflow}/${node.path}`;
  // Inner codes that say more than "the task failed" are kept (README "Scripting").
  if (inner && KEPT_CODES.includes(inner.code)) {
    const message = inner.code === "TIMEOUT" ? inner.message : `Task ${task}: ${inner.message}`;
    return new RigError(inner.code, redact(message), { detail: inner.detail.map(redact), cause: error, task });
  }
  const thrown = inner ? { message: inner.message, where: [] as string[] } : thrownBy(error);
  return new RigError("TASK_FAILED", `Task ${task} failed: ${redact(thrown.message)}`, {
    detail: [...(inner?.detail ?? []), ...thrown.where].map(redact),
    cause: error,
    task,
  });
}

class Evaluation {
  readonly runIds: (string | null)[];
  readonly ran = new Set<number>();
  readonly cached = new Set<number>();
  /** Whether any task's code ran in this pass (finished or not): it may have written into what others made. */
  private executed = false;
  /** Cached runs read once per pass (a restart after `step.invalidate` takes a new snapshot). */
  private readonly lookup = snapshotLookup(true);

  constructor(
    private readonly workflow: CompiledWorkflow,
    private readonly project: Project,
    private readonly signal: AbortSignal,
    private readonly emit: EventSink,
    private readonly locks: FragmentLocks,
    private readonly slots: Slots,
  ) {
    this.runIds = new Array(workflow.tasks.length).fill(null);
  }

  load(ctx: LazyCtx): JsonObject {
    return "value" in ctx ? ctx.value : (JSON.parse(ctx.store.runOutput(ctx.runId) ?? "{}") as JsonObject);
  }

  async evaluate(step: Step, ctx: LazyCtx): Promise<LazyCtx> {
    switch (step.kind) {
      case "task":
        return this.task(step.node, ctx);
      case "sequence":
        for (const child of step.steps) ctx = await this.evaluate(child, ctx);
        return ctx;
      case "parallel": {
        const branchSlots = new Slots(step.concurrency ?? Number.POSITIVE_INFINITY);
        const settled = await Promise.allSettled(step.branches.map(([, branch]) => branchSlots.run(() => this.evaluate(branch, ctx))));
        const failures = settled.flatMap((s) => (s.status === "rejected" ? [s.reason] : []));
        // A real failure outranks an interrupt, which outranks a restart request.
        const failure =
          failures.find((e) => !(e instanceof Restart) && !(isRigError(e) && e.code === "INTERRUPTED")) ??
          failures.find((e) => !(e instanceof Restart)) ??
          failures[0];
        if (failures.length > 0) throw failure;
        const incoming = this.load(ctx);
        const joined: JsonObject = { ...incoming };
        step.branches.forEach(([name], i) => {
          if (Object.hasOwn(incoming, name)) {
            throw new RigError("CONFIG_ERROR", `Workflow "${this.workflow.name}": parallel branch "${name}" collides with context key "${name}"`, {
              detail: ["Rename the branch, or drop the key from the incoming context."],
            });
          }
          joined[name] = this.load((settled[i] as PromiseFulfilledResult<LazyCtx>).value);
        });
        return { value: joined };
      }
    }
  }

  private async task(node: TaskNode, lazyIncoming: LazyCtx): Promise<LazyCtx> {
    if (this.signal.aborted) throw new RigError("INTERRUPTED", "Interrupted");
    const { stores, registry } = this.project;
    const store = stores.of(node);
    const upstream = upstreamKeys(node, this.runIds, this.workflow.tasks, stores);
    let verdict = await decide(node, upstream, store, registry, Date.now(), this.lookup);
    // A fragment shared with other projects: take its lock, then look again, since the
    // project holding it may just have run this very task.
    if (verdict.status === "pending" && node.fragment && (await this.locks.fragment(node.fragment.hash, store))) {
      verdict = await decide(node, upstream, store, registry);
    }
    if (verdict.status === "cached") {
      this.runIds[node.index] = verdict.run.id;
      this.cached.add(node.index);
      this.emit({ type: "task.cached", workflow: this.workflow.name, path: node.path, runId: verdict.run.id });
      return { runId: verdict.run.id, store };
    }
    const incoming = this.load(lazyIncoming);
    this.executed = true;
    const keyHash = verdict.keyHash as string; // upstream is all known during apply
    const runId = newRunId();
    const startedAt = Date.now();
    const log = new RunLog(this.project.info.stateDir, runId);
    let metadata: JsonObject | null = null;
    let invalidate: TaskNode | null = null;
    const activity: Activity = {
      label: node.path,
      signal: this.signal,
      log: (line) => {
        const safe = redact(line);
        log.write(safe);
        this.emit({ type: "task.output", workflow: this.workflow.name, path: node.path, line: safe });
      },
    };
    const record = (status: "ok" | "failed" | "cancelled", output: JsonObject | null, error: string | null) => {
      const finishedAt = Date.now();
      store.insertRun({
        id: runId,
        workflow: node.cacheKey.workflow,
        path: node.cacheKey.path,
        name: node.name,
        key_hash: keyHash,
        key_parts: JSON.stringify({ ...verdict.parts, detail: keyDetail(node, registry, this.workflow.tasks) }),
        upstream: JSON.stringify(upstream),
        output: output === null ? null : JSON.stringify(output),
        artifacts: output === null ? null : JSON.stringify(collectArtifacts(output)),
        metadata: metadata === null ? null : JSON.stringify(metadata),
        log: (log.close(), log.tail()),
        status,
        error,
        invalidated: 0,
        started_at: startedAt,
        finished_at: finishedAt,
        duration_ms: finishedAt - startedAt,
      });
      pruneLogs(this.project.info.stateDir, store, node.cacheKey.workflow, node.cacheKey.path);
      return finishedAt - startedAt;
    };

    const finished = { type: "task.finished", workflow: this.workflow.name, path: node.path, runId, logPath: log.path } as const;
    const attempts = (node.options.retries ?? 0) + 1;
    const timeoutMs = timeoutOption(node.options.timeout, `task "${node.path}"`);
    let output: JsonObject | undefined;
    await this.slots.run(
      async () => {
        fault("apply:task-started");
        for (let attempt = 1; ; attempt++) {
          this.emit({ type: "task.started", workflow: this.workflow.name, path: node.path, attempt, attempts });
          try {
            output = await supervised({ signal: this.signal, timeoutMs, what: `Task ${node.workflow}/${node.path}` }, async (signal) => {
              activity.signal = signal;
              const providers = await registry.runtimes(node.scope, {
                workflow: node.workflow,
                task: { path: node.path, dataDir: stores.dataDir(node, this.project.info.stateDir) },
                log: activity.log,
                signal,
              });
              const step = {
                ctx: structuredClone(incoming),
                path: node.path,
                metadata: (data: JsonObject) => {
                  const problem = isPlainObject(data) ? findNonJson(data, "metadata") : "metadata is not an object";
                  if (problem) throw new Error(`step.metadata(): ${problem}`);
                  refuseSecrets(data, "step.metadata()");
                  metadata = { ...(metadata ?? {}), ...structuredClone(data) };
                },
                invalidate: (taskId: string) => {
                  invalidate = this.resolveEarlier(node, taskId);
                },
              };
              const returned = await runInActivity(activity, () =>
                node.handler({ step, providers, config: node.scope.config, local: host, signal }),
              );
              if (signal.aborted) throw new RigError("INTERRUPTED", "Interrupted");
              return this.checkOutput(node, returned, incoming);
            });
            return;
          } catch (error) {
            if (this.signal.aborted) {
              const ms = record("cancelled", null, "cancelled");
              this.emit({ ...finished, status: "cancelled", durationMs: ms });
              throw new RigError("INTERRUPTED", `Interrupted while running ${node.workflow}/${node.path}`);
            }
            const failure = taskError(node, error);
            if (attempt < attempts && failure.code !== "CONFIG_ERROR") {
              const delayMs = 1000 * 2 ** (attempt - 1);
              activity.log(`attempt ${attempt}/${attempts} failed: ${failure.message}; attempt ${attempt + 1}/${attempts} in ${delayMs / 1000}s`);
              this.emit({ type: "task.retrying", workflow: this.workflow.name, path: node.path, attempt: attempt + 1, attempts, delayMs });
              await abortableSleep(delayMs, this.signal);
              continue;
            }
            if (attempts > 1) failure.detail.unshift(`after ${attempt} attempts`);
            const ms = record("failed", null, failure.message);
            const shown = log.shown();
            if (shown) failure.detail.push(`full log: ${shown}`);
            this.emit({ ...finished, status: "failed", durationMs: ms, error: { code: failure.code, message: failure.message } });
            throw failure;
          }
        }
      },
      () => this.emit({ type: "task.queued", workflow: this.workflow.name, path: node.path }),
    );
    if (invalidate) throw new Restart(node, invalidate);
    const ms = record("ok", output as JsonObject, null);
    fault("apply:task-recorded");
    // This run made (or last changed) the artifacts it outputs: a later reuse checks that (seals.ts).
    const refs = collectArtifacts(output);
    if (refs.length > 0) await sealsOf(registry, this.lookup).seal(store, node.scope, runId, refs);
    this.runIds[node.index] = runId;
    this.ran.add(node.index);
    this.emit({ ...finished, status: "done", durationMs: ms });
    return { value: output as JsonObject };
  }

  /** Fingerprints what this pass's runs sealed, as it is now (seals.ts). */
  finishSeals(): Promise<void> {
    return sealsOf(this.project.registry, this.lookup).finish(this.executed);
  }

  /** The task named by `step.invalidate(id)`: an earlier task, by path or (nearest) id. */
  private resolveEarlier(node: TaskNode, taskId: string): TaskNode {
    const earlier = this.workflow.tasks.slice(0, node.index);
    const target = earlier.find((t) => t.path === taskId) ?? earlier.reverse().find((t) => t.name === taskId);
    if (!target) throw new Error(`step.invalidate("${taskId}"): no earlier task with that id`);
    return target;
  }

  private checkOutput(node: TaskNode, returned: unknown, incoming: JsonObject): JsonObject {
    let ctx: unknown = incoming;
    if (returned !== undefined) {
      if (!isPlainObject(returned) || !("ctx" in returned)) {
        throw new Error("a task must return { ctx } or nothing");
      }
      ctx = returned.ctx;
    }
    if (!isPlainObject(ctx)) throw new Error(`the returned ctx must be a JSON object, got ${ctx === null ? "null" : Array.isArray(ctx) ? "an array" : typeof ctx}`);
    const problem = findNonJson(ctx);
    if (problem) throw new Error(`the returned context is not JSON: ${problem}`);
    refuseSecrets(ctx, "the returned context");
    if (node.options.output) {
      const parsed = node.options.output.safeParse(ctx);
      if (!parsed.success) throw new Error(`the returned context does not match its output schema: ${messageOf(parsed.error)}`);
    }
    return ctx as JsonObject;
  }
}

export async function apply(workflow: CompiledWorkflow, project: Project, options: ApplyOptions = {}): Promise<ApplyResult> {
  captureConsole();
  const emit = options.events ?? (() => {});
  const logId = project.store.logStart("apply", workflow.name, null);
  const locks = new FragmentLocks(options);
  let status: "ok" | "failed" | "cancelled" = "failed";
  let result: ApplyResult | null = null;
  try {
    // Preflight: the checks of providers that pending tasks (and the hooks to come) use.
    const planned = (await plan(workflow, project.stores, project.registry)).nodes;
    const pending = new Set(planned.filter((n) => n.status === "pending").map((n) => n.path));
    emit({ type: "apply.started", workflow: workflow.name, pending: [...pending], cached: planned.filter((n) => n.status === "cached").map((n) => n.path) });
    const decls = inScope(workflow, pending, options.preflight);
    if (decls.length > 0) await preflight(project, decls);
    result = await evaluateUntilSettled(workflow, project, options, locks);
    project.store.logFinish(logId, "ok", { ran: result.ran.length, cached: result.cached.length });
    status = "ok";
    return result;
  } catch (error) {
    const interrupted = isRigError(error) && error.code === "INTERRUPTED";
    status = interrupted ? "cancelled" : "failed";
    project.store.logFinish(logId, status, { error: redact(messageOf(error)) });
    throw error;
  } finally {
    locks.releaseAll();
    emit({ type: "apply.finished", workflow: workflow.name, ran: result?.ran ?? [], cached: result?.cached ?? [], status });
  }
}

/** Evaluates the graph, starting over when a task invalidates an earlier one. */
async function evaluateUntilSettled(workflow: CompiledWorkflow, project: Project, options: ApplyOptions, locks: FragmentLocks): Promise<ApplyResult> {
  const signal = options.signal ?? new AbortController().signal;
  const emit = options.events ?? (() => {});
  const ran = new Set<number>();
  const passes = new Map<number, number>();
  const slots = new Slots(options.concurrency ?? availableParallelism());
  for (;;) {
    const evaluation = new Evaluation(workflow, project, signal, emit, locks, slots);
    try {
      const ctx = evaluation.load(await evaluation.evaluate(workflow.root, { value: {} }));
      await evaluation.finishSeals();
      for (const index of evaluation.ran) ran.add(index);
      // What this result came from: a workspace made now is `outdated` once a later apply changes it.
      project.store.setFinalCtx(workflow.name, ctx, resultOf(ctx, (ref) => project.store.seal(sealKey(ref))));
      const paths = (set: (i: number) => boolean) => workflow.tasks.filter((t) => set(t.index)).map((t) => t.path);
      return {
        workflow: workflow.name,
        ran: paths((i) => ran.has(i)),
        cached: paths((i) => !ran.has(i) && evaluation.cached.has(i)),
        ctx,
      };
    } catch (error) {
      // What finished before the failure, interrupt or restart keeps its results: seal them too.
      await evaluation.finishSeals().catch(() => undefined);
      for (const index of evaluation.ran) ran.add(index);
      if (!(error instanceof Restart)) throw error;
      const { requester, target } = error;
      const count = (passes.get(requester.index) ?? 0) + 1;
      passes.set(requester.index, count);
      if (count >= MAX_INVALIDATION_PASSES) {
        throw new RigError(
          "TASK_FAILED",
          `Task ${workflow.name}/${requester.path} failed: it invalidated "${target.path}" on every pass (${count} passes)`,
          { detail: ["Make the check in this task succeed once the earlier task has rerun."] },
        );
      }
      const runId = evaluation.runIds[target.index];
      if (runId) project.stores.of(target).invalidateRun(runId);
    }
  }
}
