import { applyWorkflows } from "../../../engine/api/apply.ts";
import type { ApplyResult } from "../../../engine/graph/apply.ts";
import { parseConcurrency } from "../../../engine/options.ts";
import type { PlanResult } from "../../../engine/graph/plan.ts";
import { type Cli, engineCall } from "../../context.ts";
import { type ManyOptions, runMany } from "../../many.ts";
import { renderApply, renderPlan } from "../../render.ts";

/** `rig apply`: see applyWorkflows (src/engine/api/apply.ts); --all/--discover: src/cli/many.ts. */
export default async function applyCommand(cli: Cli, opts: ManyOptions & { dryRun?: boolean; concurrency?: string }): Promise<void> {
  parseConcurrency(opts.concurrency); // a bad --concurrency fails before any work
  const call = engineCall(cli);
  // Each workflow's apply time, from its apply.started and apply.finished events.
  const started = new Map<string, number>();
  const took = new Map<string, number>();
  const events = call.events;
  call.events = (event) => {
    if (event.type === "apply.started") started.set(event.workflow, performance.now());
    if (event.type === "apply.finished") took.set(event.workflow, performance.now() - (started.get(event.workflow) ?? performance.now()));
    events?.(event);
  };
  await runMany<ApplyResult | PlanResult>(
    cli,
    opts,
    "apply",
    (project, workflows) => applyWorkflows(project, workflows, { dryRun: opts.dryRun, concurrency: opts.concurrency }, call),
    (result) => ("nodes" in result ? renderPlan(result) : renderApply(result, took.get(result.workflow) ?? 0)),
  );
}
