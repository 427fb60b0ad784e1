import { apply } from "../../engine/graph/apply.ts";
import { WORKSPACE_NAME_RULE, checkWorkspaceName, isWorkspaceName } from "../../engine/workspaces/names.ts";
import { configName, openProject, selectWorkflow } from "../../engine/project/project.ts";
import { parseDuration } from "../../engine/duration.ts";
import { forkWorkspace } from "../../engine/workspaces/fork.ts";
import { Slots } from "../../engine/slots.ts";
import { type WorkspaceInfo, createWorkspace, resolveWorkspace } from "../../engine/workspaces/lifecycle.ts";
import { type WorkspaceRow, workspaceInfo } from "../../state/store.ts";
import { RigError } from "../../errors.ts";
import { prompt } from "../../host/local.ts";
import { terminal } from "../../host/terminal.ts";
import { type Cli, applyOptions, lockProject, projectOptions } from "../context.ts";
import { hookOutput } from "../progress.ts";
import { renderCreated } from "../render.ts";
import { emit, err } from "../ui.ts";

/** ws1, ws2, …: the first such name no workspace of the workflow has. */
export function freeName(taken: Set<string>): string {
  for (let i = 1; ; i++) if (!taken.has(`ws${i}`)) return `ws${i}`;
}

/** `--ttl`: a positive duration. */
export function parseTtl(text: string): number {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) throw new RigError("USAGE", `--ttl: "${text}" is not a duration`, { detail: ["Use e.g. 30m, 4h, 2d."] });
  return ms;
}

interface CreateOptions {
  workflow?: string;
  from?: string;
  ttl?: string;
  onExpiry?: "stop" | "remove";
  concurrency?: string;
  name?: string;
}

export default async function createCommand(cli: Cli, names: string[], opts: CreateOptions): Promise<void> {
  if (opts.name !== undefined) names = [...names, opts.name];
  for (const name of names) checkWorkspaceName(name);
  const ttlFlag = opts.ttl === undefined ? undefined : parseTtl(opts.ttl);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new RigError("USAGE", `Workspace ${twice} is named twice`);

  const options = applyOptions(cli, opts); // a bad --concurrency fails before any work
  const project = await openProject(projectOptions(cli.globals));
  // A fork belongs to its source's workflow.
  const source = opts.from === undefined ? null : await resolveWorkspace(project, opts.from, opts.workflow);
  const workflow = await selectWorkflow(project, source?.workflow ?? opts.workflow, "create workspaces from");
  if (!workflow.workspace) {
    throw new RigError("USAGE", `Workflow "${workflow.name}" defines no workspaces`, {
      detail: [`Add .workspace({ create, remove }) to it in ${configName(project)}.`],
    });
  }
  if (opts.onExpiry && ttlFlag === undefined && !workflow.workspace.ttlMs) {
    throw new RigError("USAGE", "--on-expiry needs a lease: add --ttl <duration>");
  }
  if (names.length === 0) {
    if (!terminal.canPrompt()) throw new RigError("USAGE", "Name the workspaces to create: rig create <name…>");
    const existing = new Set(project.store.workspaces().filter((w) => w.workflow === workflow.name).map((w) => w.name));
    const suggestion = freeName(existing);
    const name = await prompt.text("Name of the new workspace", {
      initial: suggestion,
      validate: (value) => (!isWorkspaceName(value) ? WORKSPACE_NAME_RULE : existing.has(value) ? `${value} already exists` : undefined),
    });
    names = [name];
  }
  const unlock = await lockProject(cli, project.store, `create ${names.join(" ")}`);
  const taken = names.filter((name) => project.store.workspace(workflow.name, name));
  if (taken.length > 0) {
    throw new RigError("WORKSPACE_EXISTS", `Workspace ${taken.join(", ")} already exists in workflow ${workflow.name}`, {
      detail: [`Remove it first with \`rig rm ${taken.join(" ")}\`, or pick another name.`],
    });
  }

  const started = performance.now();
  const hookOptions = { signal: cli.signal, output: hookOutput };
  if (!source) await apply(workflow, project, { ...options, preflight: workflow.workspace.scope.providers });
  // The lock covers the apply (it changes the cache) but not the hooks: each workspace's
  // record is claimed atomically (insertWorkspace), so creates of other names in other
  // processes run alongside this one (SPEC §10 "Locks").
  unlock();
  // At most --concurrency creations at once; the others wait their turn.
  const slots = new Slots(options.concurrency ?? names.length);
  const createOne = async (name: string) => {
    if (source) await forkWorkspace(project, source, name, hookOptions);
    else await createWorkspace(project, workflow, name, hookOptions);
    // The lease: --ttl, else the workflow's default.
    const ttl = ttlFlag ?? workflow.workspace?.ttlMs ?? null;
    if (ttl !== null) project.store.setLease(workflow.name, name, Date.now() + ttl, opts.onExpiry ?? workflow.workspace?.onExpiry ?? "remove");
    return workspaceInfo(project.store.workspace(workflow.name, name) as WorkspaceRow);
  };
  const settled = await Promise.allSettled(names.map((name) => slots.run(() => createOne(name), () => err.line(`waiting ${name}`))));
  const created = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failures = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
  if (failures.length > 0) {
    // The others were created; say so before the failure ends the command.
    for (const w of created) err.line(`Created ${w.name} (${w.workflow})`);
    throw failures[0];
  }
  const result: { workspaces: WorkspaceInfo[] } = { workspaces: created };
  emit(result, () => renderCreated(created, performance.now() - started));
}
