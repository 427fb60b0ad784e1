/**
 * `shell`, `forward` and `code` through the API: the workspace's way in, once it is known
 * to be ready (a record is a claim, not a fact). `shell` runs the provider's interactive
 * shell on this process's terminal; `forwardTargets` and `editorTarget` return how to
 * reach a port or open an editor, and the front end does the listening or the opening
 * (the CLI: src/cli/commands/workspaces/forward.ts and code.ts).
 */
import type { EditorTarget, ForwardTarget } from "../../sdk/provider.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import type { Project } from "../project/project.ts";
import { type CallOptions, type ProjectRef, callParts, projectOf } from "./call.ts";

export interface WorkspaceInput {
  workspace: string;
  workflow?: string;
}

async function resolved(ref: ProjectRef, input: WorkspaceInput, call: CallOptions): Promise<{ project: Project; row: WorkspaceRow }> {
  const project = await projectOf(ref);
  const { resolveWorkspace } = await import("../workspaces/lifecycle.ts");
  return { project, row: await resolveWorkspace(project, input.workspace, input.workflow, callParts(call).prompter) };
}

/**
 * `rig shell <ws>`: the workspace, once it is ready, and `attach()`, which runs the
 * provider's interactive shell on this process's terminal and returns its exit code.
 * (Two steps, so the front end can check for a terminal after the workspace's own errors.)
 */
export async function shell(ref: ProjectRef, input: WorkspaceInput, call: CallOptions = {}): Promise<{ workspace: string; attach(): Promise<number> }> {
  const { project, row } = await resolved(ref, input, call);
  const [{ requireReady }, { shellIn }] = await Promise.all([import("../workspaces/status.ts"), import("../workspaces/access.ts")]);
  await requireReady(project, row);
  return { workspace: row.name, attach: () => shellIn(project, row, callParts(call).signal) };
}

/** `rig forward <ws> <port>…`: for each port, the command that carries a connection to it (or `local`). */
export async function forwardTargets(ref: ProjectRef, input: WorkspaceInput & { ports: number[] }, call: CallOptions = {}): Promise<{ workspace: string; targets: ForwardTarget[] }> {
  const { project, row } = await resolved(ref, input, call);
  const { forwardTargets: targetsOf } = await import("../workspaces/access.ts");
  return { workspace: row.name, targets: await targetsOf(project, row, input.ports) };
}

/** `rig code <ws>`: the editor's arguments and URI for the workspace. */
export async function editorTarget(ref: ProjectRef, input: WorkspaceInput, call: CallOptions = {}): Promise<{ workspace: string } & EditorTarget> {
  const { project, row } = await resolved(ref, input, call);
  const { editorTarget: targetOf } = await import("../workspaces/access.ts");
  return { workspace: row.name, ...(await targetOf(project, row)) };
}
