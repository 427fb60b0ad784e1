/**
 * `rig diff` and `rig merge` through the API (README "Changes come back through git"):
 * `diff` returns `rig diff --json`'s document, `merge` `rig merge --json`'s (or, with
 * `patch`, the patch).
 */
import { diffWorkspace, mergeWorkspace, type MergeResult, type WorkspaceDiff } from "../workspaces/changes.ts";
import { resolveWorkspace } from "../workspaces/lifecycle.ts";
import { type CallOptions, type ProjectRef, callParts, projectOf } from "./call.ts";

export interface ChangesInput {
  workspace: string;
  workflow?: string;
}

export async function diff(ref: ProjectRef, input: ChangesInput & { stat?: boolean }, call: CallOptions = {}): Promise<WorkspaceDiff> {
  const project = await projectOf(ref);
  const { signal, prompter } = callParts(call);
  const row = await resolveWorkspace(project, input.workspace, input.workflow, prompter);
  return diffWorkspace(project, row, { stat: input.stat, signal });
}

export async function merge(ref: ProjectRef, input: ChangesInput, call: CallOptions = {}): Promise<MergeResult> {
  const project = await projectOf(ref);
  const { signal, prompter } = callParts(call);
  const row = await resolveWorkspace(project, input.workspace, input.workflow, prompter);
  return mergeWorkspace(project, row, { signal });
}
