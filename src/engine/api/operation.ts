/**
 * `runOperation` through the API: a workspace operation (`workspace` given) or a
 * workflow operation, its input validated against the operation's zod schema (missing
 * required values asked of the prompter, when there is one), run under a lease on its
 * workspace. The result is the operation's JSON result as is (null when it returned
 * nothing); `operation.output` events carry what it printed.
 */
import { RigError } from "../../errors.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import type { CompiledWorkflow, OperationNode } from "../graph/compile.ts";
import { type InputField, inputFields, validateInput } from "../operations/inputs.ts";
import { checkWorkspaceName } from "../workspaces/names.ts";
import { findOperation, runOperation as runOperationNode } from "../operations/run.ts";
import { type Project, selectWorkflow } from "../project/project.ts";
import { resolveWorkspace } from "../workspaces/lifecycle.ts";
import { type CallOptions, type ProjectRef, callParts, projectOf } from "./call.ts";
import type { PromptApi } from "../../sdk/types.ts";

export interface OperationInput {
  /** The workspace of a workspace operation; absent (or null) for a workflow operation. */
  workspace?: string | null;
  operation: string;
  workflow?: string;
  /** The operation's input, by key. */
  input?: Record<string, unknown>;
}

export interface OperationTarget {
  workflow: CompiledWorkflow;
  workspace: WorkspaceRow | null;
  op: OperationNode;
}

/** The operation `input` names; null when it names a workflow operation no workflow has. */
export async function findTarget(project: Project, input: OperationInput, prompter: PromptApi | null): Promise<OperationTarget | null> {
  if (input.workspace !== undefined && input.workspace !== null) {
    checkWorkspaceName(input.workspace);
    const workspace = await resolveWorkspace(project, input.workspace, input.workflow, prompter);
    const workflow = project.workflows.find((w) => w.name === workspace.workflow);
    if (!workflow) {
      throw new RigError("CONFIG_ERROR", `Workspace ${workspace.name} belongs to workflow "${workspace.workflow}", which the config no longer defines`);
    }
    return { workflow, workspace, op: findOperation(workflow, input.operation, "workspace") };
  }
  const candidates = project.workflows.filter((w) => w.operations.has(input.operation) && (input.workflow === undefined || w.name === input.workflow));
  if (candidates.length === 0) return null;
  const workflow = await selectWorkflow({ workflows: candidates }, undefined, `run ${input.operation} in`, prompter);
  return { workflow, workspace: null, op: findOperation(workflow, input.operation, "workflow") };
}

/** Asks the prompter for missing required inputs; without one, every missing input in one error. */
export async function completeInput(fields: InputField[], values: Record<string, unknown>, label: string, prompter: PromptApi | null): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = {};
  const missing = fields.filter((f) => f.required && values[f.key] === undefined);
  if (missing.length > 0 && !prompter) {
    const flags = missing.map((f) => `--${f.flag}`);
    throw new RigError("INVALID_INPUT", `Missing required input${flags.length > 1 ? "s" : ""} ${flags.join(", ")} for ${label}`, {
      detail: [...missing.map((f) => `--${f.flag}${f.description ? `: ${f.description}` : ""}`), `See \`rig ${label} --help\`.`],
    });
  }
  for (const field of fields) {
    const value = values[field.key];
    if (value !== undefined) {
      input[field.key] = value;
      continue;
    }
    if (!field.required || !prompter) continue;
    const question = field.description ? `--${field.flag}: ${field.description}` : `--${field.flag}`;
    if (field.kind === "boolean") input[field.key] = await prompter.confirm(question);
    else if (field.kind === "enum") input[field.key] = await prompter.select(question, field.choices ?? []);
    else {
      const text = await prompter.text(question, {
        validate: (value) =>
          value.trim() === "" ? "A value is required" : field.kind === "number" && !Number.isFinite(Number(value)) ? "Enter a number" : undefined,
      });
      input[field.key] = field.kind === "number" ? Number(text) : field.kind === "json" ? parseJsonOr(text) : text;
    }
  }
  return input;
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Runs a resolved operation with collected values; emits its output and its end. */
export async function runTarget(project: Project, target: OperationTarget, values: Record<string, unknown>, call: CallOptions = {}): Promise<unknown> {
  const { signal, emit, prompter } = callParts(call);
  const label = target.workspace ? `${target.workspace.name}/${target.op.id}` : target.op.id;
  const fields = inputFields(target.op.input);
  const input = validateInput(target.op.input, await completeInput(fields, values, label, prompter), label);
  const base = { workflow: target.workflow.name, workspace: target.workspace?.name ?? null, operation: target.op.id };
  try {
    const result = await runOperationNode(project, target.workflow, target.op, input, target.workspace, {
      signal,
      output: (line) => emit({ type: "operation.output", ...base, label, line }),
    });
    emit({ type: "operation.finished", ...base, exitCode: 0 });
    return result;
  } catch (error) {
    emit({ type: "operation.finished", ...base, exitCode: error instanceof RigError ? error.exitCode : 1 });
    throw error;
  }
}

/** `rig <ws>/<op>` and `rig <op>`: the operation's JSON result. */
export async function runOperation(ref: ProjectRef, input: OperationInput, call: CallOptions = {}): Promise<unknown> {
  const project = await projectOf(ref);
  const target = await findTarget(project, input, callParts(call).prompter);
  if (!target) {
    const ops = [...new Set(project.workflows.flatMap((w) => [...w.operations.keys()]))];
    throw new RigError("UNKNOWN_OPERATION", `Unknown operation "${input.operation}"`, {
      detail: [ops.length ? `Operations: ${ops.join(", ")}` : "This project defines no workflow operations."],
    });
  }
  return runTarget(project, target, input.input ?? {}, call);
}
