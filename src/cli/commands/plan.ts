import { providerChecks } from "../../engine/project/checks.ts";
import { plan } from "../../engine/graph/plan.ts";
import type { Cli } from "../context.ts";
import { type ManyOptions, runMany } from "../many.ts";
import { renderPlan } from "../render.ts";
import { err } from "../ui.ts";

export default async function planCommand(cli: Cli, opts: ManyOptions): Promise<void> {
  await runMany(
    cli,
    opts,
    "plan",
    async (project, workflow) => {
      const result = await plan(workflow, project.stores, project.registry);
      return { json: result, text: () => renderPlan(result) };
    },
    // Provider checks (reachability, engines) once per project; problems are warnings on stderr.
    {
      alongside: async (project, workflows) => {
        for (const c of await providerChecks(project, workflows)) {
          if (!c.ok) err.line(`${err.colors.yellow("warning")} provider ${c.provider}: ${c.name}: ${c.message}`);
        }
      },
    },
  );
}
