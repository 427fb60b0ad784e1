/**
 * `plan`/`apply` over several workflows (`--all`: every workflow of the project, one config
 * load) or several projects (`--discover`: every project below the directory, as `rig
 * projects` finds them). A project that fails is reported and the others go on; the
 * command fails at the end, naming each failure.
 */
import { relative } from "node:path";
import type { CompiledWorkflow } from "../engine/graph/compile.ts";
import { findProjects } from "../engine/project/locate.ts";
import { workflowsOf } from "../engine/api/apply.ts";
import { type Project, openProject } from "../engine/project/project.ts";
import { RigError, messageOf } from "../errors.ts";
import { terminalPrompter } from "../host/prompter.ts";
import { terminal } from "../host/terminal.ts";
import { type Cli, projectOptions } from "./context.ts";
import { emit, err, out } from "./ui.ts";

export interface ManyOptions {
  workflow?: string;
  all?: boolean;
  discover?: boolean;
}

/** The results of one loaded project's selected workflows (src/engine/api/apply.ts). */
type PerProject<R> = (project: Project, workflows: CompiledWorkflow[]) => Promise<R[]>;

function checkFlags(opts: ManyOptions): void {
  const given = [opts.workflow !== undefined && "--workflow", opts.all && "--all", opts.discover && "--discover"].filter(Boolean);
  if (given.length > 1) throw new RigError("USAGE", `${given.join(" and ")} cannot be combined`, { detail: ["Pass one of them."] });
}

/**
 * Runs `each` on the selected workflows and emits: the single document as before for one
 * workflow, `{"workflows":[…]}` with --all, `{"projects":[{"root","config","workflows"}]}`
 * with --discover.
 */
export async function runMany<R>(cli: Cli, opts: ManyOptions, purpose: string, each: PerProject<R>, render: (result: R) => string): Promise<void> {
  checkFlags(opts);
  if (!opts.discover) {
    const project = await openProject(projectOptions(cli.globals));
    const results = await each(project, await workflowsOf(project, opts, purpose, { prompter: terminalPrompter() }));
    if (!opts.all && results.length === 1) {
      const only = results[0] as R;
      emit(only, () => render(only));
      return;
    }
    emit({ workflows: results }, () => results.map(render).join("\n\n"));
    return;
  }

  const { cwd } = projectOptions(cli.globals);
  const found = findProjects(cwd);
  if (found.length === 0) throw new RigError("CONFIG_NOT_FOUND", `No rigkit projects below ${cwd}`, { detail: ["`rig projects` lists what --discover finds."] });
  const projects: { root: string; config: string; workflows: R[] }[] = [];
  const failures: string[] = [];
  let firstCode: RigError["code"] | null = null;
  for (const p of found) {
    const name = relative(cwd, p.root) || ".";
    if (!terminal.json) out.line(out.colors.bold(`== ${name}`));
    // Each project's .env applies to that project only.
    const envBefore = new Set(Object.keys(process.env));
    try {
      // Each project's state stays open until rig exits: its lock is released then.
      const project = await openProject({ cwd: p.root, config: p.config });
      const results = await each(project, project.workflows);
      projects.push({ root: p.root, config: p.config, workflows: results });
      if (!terminal.json) out.line(`${results.map(render).join("\n\n")}\n`);
    } catch (error) {
      if (cli.signal.aborted) throw error;
      firstCode ??= error instanceof RigError ? error.code : "TASK_FAILED";
      failures.push(`${name}: ${messageOf(error)}`);
      err.line(`${err.colors.red("failed")} ${name}: ${messageOf(error)}`);
      if (error instanceof RigError) for (const line of error.detail) err.line(`  ${line}`);
    } finally {
      for (const key of Object.keys(process.env)) if (!envBefore.has(key)) delete process.env[key];
    }
  }
  if (failures.length > 0) {
    // --json promises an empty stdout on failure, so the good results are not printed then.
    throw new RigError(firstCode ?? "TASK_FAILED", `${failures.length} of ${found.length} projects failed`, { detail: failures });
  }
  emit({ projects }, () => null);
}
