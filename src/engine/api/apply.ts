/**
 * `plan` and `apply` through the API: the workflows chosen (one named, the only one,
 * every one with `all`, or the prompter's choice), then each planned or applied in turn.
 * One workflow gives its own document; `all` gives `{"workflows":[…]}` (README "plan and
 * apply over several workflows"). `rig … --discover` runs these per project (src/cli/many.ts).
 */
import { RigError } from "../../errors.ts";
import { type ApplyResult, apply as applyWorkflow } from "../graph/apply.ts";
import { providerChecks } from "../project/checks.ts";
import type { CompiledWorkflow } from "../graph/compile.ts";
import { parseConcurrency } from "../options.ts";
import { type PlanResult, plan as planWorkflow } from "../graph/plan.ts";
import { type Project, selectWorkflow } from "../project/project.ts";
import { type CallOptions, type ProjectRef, callParts, projectOf, withLock } from "./call.ts";

export interface WorkflowsInput {
  workflow?: string;
  /** Every workflow of the project. */
  all?: boolean;
}

export interface ApplyInput extends WorkflowsInput {
  /** Only say what would run (the plan). */
  dryRun?: boolean;
  /** At most this many tasks at once (default: the number of CPUs). */
  concurrency?: string | number;
}

const ALL_CHOICE = "(all of them)";

/** The workflows a call runs on: every one with `all`, else the one named or the only one, or the prompter's choice. */
export async function workflowsOf(project: Project, input: WorkflowsInput, purpose: string, call: CallOptions): Promise<CompiledWorkflow[]> {
  if (input.all && input.workflow !== undefined) throw new RigError("USAGE", "--workflow and --all cannot be combined", { detail: ["Pass one of them."] });
  if (input.all) return project.workflows;
  const { prompter } = callParts(call);
  if (input.workflow === undefined && project.workflows.length > 1 && prompter) {
    const chosen = await prompter.select(`Which workflow do you want to ${purpose}?`, [...project.workflows.map((w) => w.name), ALL_CHOICE]);
    return chosen === ALL_CHOICE ? project.workflows : project.workflows.filter((w) => w.name === chosen);
  }
  return [await selectWorkflow(project, input.workflow, purpose, null)];
}

/** Plans each workflow; provider checks (reachability, engines) run alongside, their problems as warnings. */
export async function planWorkflows(project: Project, workflows: CompiledWorkflow[], call: CallOptions = {}): Promise<PlanResult[]> {
  const { emit } = callParts(call);
  const checks = providerChecks(project, workflows).then((results) => {
    for (const c of results) if (!c.ok) emit({ type: "notice", level: "warning", message: `provider ${c.provider}: ${c.name}: ${c.message}` });
  });
  const results: PlanResult[] = [];
  try {
    for (const workflow of workflows) results.push(await planWorkflow(workflow, project.stores, project.registry));
  } finally {
    await checks.catch(() => {});
  }
  return results;
}

/** Applies each workflow under the project lock (a dry run plans them, without the lock). */
export async function applyWorkflows(project: Project, workflows: CompiledWorkflow[], input: ApplyInput, call: CallOptions = {}): Promise<(ApplyResult | PlanResult)[]> {
  const concurrency = parseConcurrency(input.concurrency); // a bad value fails before any work
  const { signal, emit, lockTimeoutMs } = callParts(call);
  if (input.dryRun) {
    const plans: PlanResult[] = [];
    for (const workflow of workflows) plans.push(await planWorkflow(workflow, project.stores, project.registry));
    return plans;
  }
  return withLock(project.store, call, `apply ${workflows.length === 1 ? `--workflow ${workflows[0]?.name}` : "--all"}`, async () => {
    const results: ApplyResult[] = [];
    for (const workflow of workflows) results.push(await applyWorkflow(workflow, project, { signal, concurrency, events: emit, lockTimeoutMs }));
    return results;
  });
}

const documentOf = <R>(input: WorkflowsInput, results: R[]): R | { workflows: R[] } => (!input.all && results.length === 1 ? (results[0] as R) : { workflows: results });

/** `rig plan`: `{"workflow","nodeCount","cachedCount","nodes":[…]}`, or `{"workflows":[…]}` with `all`. */
export async function plan(ref: ProjectRef, input: WorkflowsInput = {}, call: CallOptions = {}): Promise<PlanResult | { workflows: PlanResult[] }> {
  const project = await projectOf(ref);
  return documentOf(input, await planWorkflows(project, await workflowsOf(project, input, "plan", call), call));
}

/** `rig apply`: `{"workflow","ran","cached","ctx"}`, or `{"workflows":[…]}` with `all`. */
export async function apply(ref: ProjectRef, input: ApplyInput = {}, call: CallOptions = {}): Promise<ApplyResult | PlanResult | { workflows: (ApplyResult | PlanResult)[] }> {
  parseConcurrency(input.concurrency);
  const project = await projectOf(ref);
  return documentOf(input, await applyWorkflows(project, await workflowsOf(project, input, "apply", call), input, call));
}
