import { apply } from "../../engine/graph/apply.ts";
import { plan } from "../../engine/graph/plan.ts";
import { type Cli, applyOptions, lockProject } from "../context.ts";
import { type ManyOptions, runMany } from "../many.ts";
import { renderApply, renderPlan } from "../render.ts";

export default async function applyCommand(cli: Cli, opts: ManyOptions & { dryRun?: boolean; concurrency?: string }): Promise<void> {
  const options = applyOptions(cli, opts); // a bad --concurrency fails before any work
  await runMany<unknown>(
    cli,
    opts,
    "apply",
    async (project, workflow) => {
      if (opts.dryRun) {
        const result = await plan(workflow, project.stores, project.registry);
        return { json: result, text: () => renderPlan(result) };
      }
      const started = performance.now();
      const result = await apply(workflow, project, options);
      const ms = performance.now() - started;
      return { json: result, text: () => renderApply(result, ms) };
    },
    {
      before: async (project, workflows) => {
        if (!opts.dryRun) await lockProject(cli, project.store, `apply ${workflows.length === 1 ? `--workflow ${workflows[0]?.name}` : "--all"}`);
      },
    },
  );
}
