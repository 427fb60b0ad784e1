/**
 * What every engine function of the API takes besides its input (docs/architecture.md):
 * where the project is (or the project, already open), an AbortSignal, an event sink, and
 * a prompter when someone may be asked (the CLI's terminal; never a server). Taking the
 * project lock and waiting for running operations live here, so every front end waits,
 * times out and reports the same way.
 */
import type { PromptApi } from "../../sdk/types.ts";
import type { Store } from "../../state/store.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import type { EventSink, RigEvent } from "../events.ts";
import type { ProjectOptions } from "../project/locate.ts";
import { parseLockTimeout } from "../options.ts";
import type { Project } from "../project/project.ts";

export interface CallOptions {
  /** Cancels the call: running tasks and hooks are stopped and recorded as cancelled. */
  signal?: AbortSignal;
  /** Receives the call's events (src/engine/events.ts). */
  events?: EventSink;
  /** Asks for what the input left open (a name, a workflow, a confirmation); none: never ask. */
  prompter?: PromptApi | null;
  /** How long to wait for another rig changing the project (`--lock-timeout`; default 5m). */
  lockTimeout?: string | number;
}

/** Where the project is (`--chdir`/`--config`/`--state`), or a project opened already. */
export type ProjectRef = ProjectOptions | Project;

const isProject = (ref: ProjectRef): ref is Project => "store" in ref && "workflows" in ref;

/** The project, opened (config loaded, state file opened and recovered) unless it is already. */
export async function projectOf(ref: ProjectRef): Promise<Project> {
  if (isProject(ref)) return ref;
  const { openProject } = await import("../project/project.ts");
  return openProject(ref);
}

/** Where to look for the project's state without loading its config (ls, log, cache). */
export function optionsOf(ref: ProjectRef): ProjectOptions {
  return isProject(ref) ? { cwd: ref.location.root, config: ref.location.path, state: ref.store.path } : ref;
}

/**
 * The state file of a project for reading (ls, log, cache): the open project's own, or
 * opened from the options without loading the config. `owned`: the caller closes it.
 */
export async function stateOf(ref: ProjectRef, options: { readOnly?: boolean } = {}) {
  if (isProject(ref)) return { location: ref.location, store: ref.store as Store | null, owned: false };
  const { openState } = await import("../project/locate.ts");
  const opened = options.readOnly ? await openState(ref, { readOnly: true }) : await openState(ref);
  return { ...opened, owned: true };
}

/** An open project itself, or null when only its location is known. */
export const openedProject = (ref: ProjectRef): Project | null => (isProject(ref) ? ref : null);

/** The call's parts with their defaults. */
export function callParts(call: CallOptions) {
  const events = call.events ?? (() => {});
  return {
    signal: call.signal ?? new AbortController().signal,
    emit: (event: RigEvent) => events(event),
    prompter: call.prompter ?? null,
    lockTimeoutMs: parseLockTimeout(call.lockTimeout),
  };
}

/**
 * Calls in this process take turns per state file: the state file's lock is held per
 * process (a second acquire by the same pid succeeds), so a server running several calls
 * at once must not let them overlap.
 */
const turns = new Map<string, Promise<void>>();

/**
 * Takes the project lock for a state-changing call, saying (as a notice) whom it waits
 * for. The call releases it when it is done (`withLock`), so a long-running front end
 * never keeps it.
 */
export async function lockProject(store: Store, call: CallOptions, command: string): Promise<() => void> {
  const { acquireLock, describeHolder } = await import("../../state/lock.ts"); // node:os: only when locking
  const { waiting } = await import("../../host/waiting.ts");
  const { signal, emit, lockTimeoutMs } = callParts(call);
  const previous = turns.get(store.path) ?? Promise.resolve();
  let endTurn = () => {};
  const turn = new Promise<void>((resolve) => (endTurn = resolve));
  const chain = previous.then(() => turn);
  turns.set(store.path, chain);
  const done = () => {
    endTurn();
    if (turns.get(store.path) === chain) turns.delete(store.path);
  };
  try {
    await waiting(() => previous);
    const release = await waiting(() =>
      acquireLock(store, {
        command,
        timeoutMs: lockTimeoutMs,
        signal,
        onWait: (holder) => emit({ type: "notice", level: "info", message: `Waiting for ${describeHolder(holder)} to finish…` }),
      }),
    );
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      done();
    };
  } catch (error) {
    done();
    throw error;
  }
}

/** Runs `fn` holding the project lock, released however it ends. */
export async function withLock<T>(store: Store, call: CallOptions, command: string, fn: () => Promise<T>): Promise<T> {
  const unlock = await lockProject(store, call, command);
  try {
    return await fn();
  } finally {
    unlock();
  }
}

/**
 * Operations running on a workspace hold a shared lease on it (README "Locks"): `rm` and
 * `stop` wait for them, naming them, up to the lock timeout, or stop them with `force`.
 */
export async function waitForOperations(store: Store, call: CallOptions, row: Pick<WorkspaceRow, "workflow" | "name">, force: boolean | undefined): Promise<void> {
  const { describeLease, waitForLeases } = await import("../../state/leases.ts");
  const { signal, emit, lockTimeoutMs } = callParts(call);
  await waitForLeases(store, row.workflow, row.name, {
    timeoutMs: lockTimeoutMs,
    force,
    signal,
    onWait: (leases) =>
      emit({ type: "notice", level: "info", message: `${force ? "Stopping" : "Waiting for"} ${leases.map(describeLease).join(", ")}${force ? "" : " to finish"}…` }),
  });
}

/** The output callback hooks take, as workspace.output events. */
export const hookOutputTo =
  (emit: (event: RigEvent) => void, workflow: string) =>
  (name: string, line: string): void =>
    emit({ type: "workspace.output", workflow, name, line });
