import { apply } from "../../engine/apply.ts";
import { WORKSPACE_NAME_RULE, checkWorkspaceName, isWorkspaceName } from "../../engine/names.ts";
import { configName, openProject, selectWorkflow } from "../../engine/project.ts";
import { type WorkspaceInfo, createWorkspace } from "../../engine/workspaces.ts";
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

export default async function createCommand(cli: Cli, names: string[], opts: { workflow?: string; name?: string }): Promise<void> {
  if (opts.name !== undefined) names = [...names, opts.name];
  for (const name of names) checkWorkspaceName(name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new RigError("USAGE", `Workspace ${twice} is named twice`);

  const project = await openProject(projectOptions(cli.globals));
  const workflow = await selectWorkflow(project, opts.workflow, "create workspaces from");
  if (!workflow.workspace) {
    throw new RigError("USAGE", `Workflow "${workflow.name}" defines no workspaces`, {
      detail: [`Add .workspace({ create, remove }) to it in ${configName(project)}.`],
    });
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
  await lockProject(cli, project.store, `create ${names.join(" ")}`);
  const taken = names.filter((name) => project.store.workspace(workflow.name, name));
  if (taken.length > 0) {
    throw new RigError("WORKSPACE_EXISTS", `Workspace ${taken.join(", ")} already exists in workflow ${workflow.name}`, {
      detail: [`Remove it first with \`rig rm ${taken.join(" ")}\`, or pick another name.`],
    });
  }

  const started = performance.now();
  await apply(workflow, project, applyOptions(cli));
  const settled = await Promise.allSettled(
    names.map((name) => createWorkspace(project, workflow, name, { signal: cli.signal, output: hookOutput })),
  );
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
