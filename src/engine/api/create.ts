/**
 * `createWorkspaces` (rig create): checks the names, applies the workflow under the
 * project lock (unless forking), then creates each workspace, at most `concurrency` at
 * once, each through createWorkspace (src/engine/workspaces/lifecycle.ts) — a fork (`from`) too.
 */
import { RigError } from "../../errors.ts";
import type { JsonObject } from "../../sdk/types.ts";
import { type WorkspaceInfo, type WorkspaceRow, workspaceInfo } from "../../state/store.ts";
import { apply } from "../graph/apply.ts";
import { WORKSPACE_NAME_RULE, checkWorkspaceName, isWorkspaceName } from "../workspaces/names.ts";
import { parseConcurrency, parseTtl } from "../options.ts";
import { configName, selectWorkflow } from "../project/project.ts";
import { Slots } from "../slots.ts";
import { createWorkspace, resolveWorkspace } from "../workspaces/lifecycle.ts";
import { type CallOptions, type ProjectRef, callParts, hookOutputTo, lockProject, projectOf } from "./call.ts";

export interface CreateInput {
  /** The new workspaces' names; asked for (one) when empty and there is a prompter. */
  names?: string[];
  workflow?: string;
  /** Fork this live workspace instead of the workflow's result. */
  from?: string;
  /** A lease: a duration (`4h`) or milliseconds. */
  ttl?: string | number;
  onExpiry?: "stop" | "remove";
  /** At most this many tasks and creations at once (default: the number of CPUs). */
  concurrency?: string | number;
}

export interface CreateResult {
  workspaces: WorkspaceInfo[];
}

/** ws1, ws2, …: the first such name no workspace of the workflow has. */
export function freeName(taken: Set<string>): string {
  for (let i = 1; ; i++) if (!taken.has(`ws${i}`)) return `ws${i}`;
}

export async function createWorkspaces(ref: ProjectRef, input: CreateInput, call: CallOptions = {}): Promise<CreateResult> {
  let names = [...(input.names ?? [])];
  for (const name of names) checkWorkspaceName(name);
  const ttlFlag = input.ttl === undefined ? undefined : parseTtl(input.ttl);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new RigError("USAGE", `Workspace ${twice} is named twice`);
  const concurrency = parseConcurrency(input.concurrency); // a bad value fails before any work
  const { signal, emit, prompter, lockTimeoutMs } = callParts(call);

  const project = await projectOf(ref);
  // A fork belongs to its source's workflow.
  const source = input.from === undefined ? null : await resolveWorkspace(project, input.from, input.workflow, prompter);
  const workflow = await selectWorkflow(project, source?.workflow ?? input.workflow, "create workspaces from", prompter);
  if (!workflow.workspace) {
    throw new RigError("USAGE", `Workflow "${workflow.name}" defines no workspaces`, {
      detail: [`Add .workspace({ create, remove }) to it in ${configName(project)}.`],
    });
  }
  if (input.onExpiry && ttlFlag === undefined && !workflow.workspace.ttlMs) {
    throw new RigError("USAGE", "--on-expiry needs a lease: add --ttl <duration>");
  }
  if (names.length === 0) {
    if (!prompter) throw new RigError("USAGE", "Name the workspaces to create: rig create <name…>");
    const existing = new Set(project.store.workspaces().filter((w) => w.workflow === workflow.name).map((w) => w.name));
    const name = await prompter.text("Name of the new workspace", {
      initial: freeName(existing),
      validate: (value) => (!isWorkspaceName(value) ? WORKSPACE_NAME_RULE : existing.has(value) ? `${value} already exists` : undefined),
    });
    names = [name];
  }
  const unlock = await lockProject(project.store, call, `create ${names.join(" ")}`);
  const taken = names.filter((name) => project.store.workspace(workflow.name, name));
  if (taken.length > 0) {
    unlock();
    throw new RigError("WORKSPACE_EXISTS", `Workspace ${taken.join(", ")} already exists in workflow ${workflow.name}`, {
      detail: [`Remove it first with \`rig rm ${taken.join(" ")}\`, or pick another name.`],
      ...(taken.length === 1 && { workspace: taken[0] }),
    });
  }

  const hookOptions = { signal, output: hookOutputTo(emit, workflow.name) };
  try {
    if (!source) await apply(workflow, project, { signal, concurrency, events: emit, lockTimeoutMs, preflight: workflow.workspace.scope.providers });
  } finally {
    // The lock covers the apply (it changes the cache) but not the hooks: each workspace's
    // record is claimed atomically, so creates of other names in other processes run
    // alongside this one (README "Locks").
    unlock();
  }
  const slots = new Slots(concurrency);
  const createOne = async (name: string): Promise<WorkspaceInfo> => {
    await createWorkspace(project, workflow, name, hookOptions, source);
    // The lease: the input's ttl, else the workflow's default.
    const ttl = ttlFlag ?? workflow.workspace?.ttlMs ?? null;
    if (ttl !== null) project.store.setLease(workflow.name, name, Date.now() + ttl, input.onExpiry ?? workflow.workspace?.onExpiry ?? "remove");
    const info = workspaceInfo(project.store.workspace(workflow.name, name) as WorkspaceRow);
    emit({ type: "workspace.created", workflow: workflow.name, name, ctx: info.ctx as JsonObject });
    return info;
  };
  const waitingFor = (name: string) => () => emit({ type: "notice", level: "info", message: `waiting ${name}` });
  const settled = await Promise.allSettled(names.map((name) => slots.run(() => createOne(name), waitingFor(name))));
  const created = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failures = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
  if (failures.length > 0) {
    // The others were created; say so before the failure ends the call.
    for (const w of created) emit({ type: "notice", level: "info", message: `Created ${w.name} (${w.workflow})` });
    throw failures[0];
  }
  return { workspaces: created };
}

/** `fork`: a copy of the live workspace `from` as each of `names` (createWorkspaces with `from`). */
export function fork(ref: ProjectRef, input: CreateInput & { from: string }, call: CallOptions = {}): Promise<CreateResult> {
  return createWorkspaces(ref, input, call);
}
