import { planWorkflows } from "../../../engine/api/apply.ts";
import { type Cli, engineCall } from "../../context.ts";
import { type ManyOptions, runMany } from "../../many.ts";
import { renderPlan } from "../../render.ts";

/** `rig plan`: see planWorkflows (src/engine/api/apply.ts); --all/--discover: src/cli/many.ts. */
export default async function planCommand(cli: Cli, opts: ManyOptions): Promise<void> {
  const call = engineCall(cli);
  await runMany(cli, opts, "plan", (project, workflows) => planWorkflows(project, workflows, call), renderPlan);
}
