/**
 * `plan`/`apply` over several workflows (`--all`: every workflow of the project, one config
 * load) or several projects (`--discover`: every project below the directory, as `rig
 * projects` finds them). A project that fails is reported and the others go on; the
 * command fails at the end, naming each failure.
 */
import { relative } from "node:path";
import type { CompiledWorkflow } from "../engine/graph/compile.ts";
import { findProjects } from "../engine/project/locate.ts";
import { type Project, openProject, selectWorkflow } from "../engine/project/project.ts";
import { RigError, messageOf } from "../errors.ts";
import { prompt } from "../host/local.ts";
import { terminal } from "../host/terminal.ts";
import { type Cli, projectOptions } from "./context.ts";
import { emit, err, out } from "./ui.ts";

export interface ManyOptions {
  workflow?: string;
  all?: boolean;
  discover?: boolean;
}

/** One result per workflow: its JSON document and its text rendering. */
type PerWorkflow<R> = (project: Project, workflow: CompiledWorkflow) => Promise<{ json: R; text: () => string }>;

interface Hooks {
  /** Awaited before the workflows run (the project lock). */
  before?: (project: Project, workflows: CompiledWorkflow[]) => Promise<void>;
  /** Started with them and awaited before the results are printed (provider checks). */
  alongside?: (project: Project, workflows: CompiledWorkflow[]) => Promise<void>;
}

/** Runs the selected workflows of one loaded project, one after another. */
async function runProject<R>(project: Project, workflows: CompiledWorkflow[], each: PerWorkflow<R>, hooks: Hooks) {
  await hooks.before?.(project, workflows);
  const alongside = hooks.alongside?.(project, workflows);
  const results: { json: R; text: () => string }[] = [];
  try {
    for (const wf of workflows) results.push(await each(project, wf));
  } finally {
    await alongside?.catch(() => {});
  }
  return results;
}

function checkFlags(opts: ManyOptions): void {
  const given = [opts.workflow !== undefined && "--workflow", opts.all && "--all", opts.discover && "--discover"].filter(Boolean);
  if (given.length > 1) throw new RigError("USAGE", `${given.join(" and ")} cannot be combined`, { detail: ["Pass one of them."] });
}

const ALL_CHOICE = "(all of them)";

/**
 * The workflows a command runs on: every one with --all/--discover, else the one named or
 * the only one; several on a terminal: a choice that includes all of them.
 */
async function workflowsOf(project: Project, opts: ManyOptions, purpose: string): Promise<CompiledWorkflow[]> {
  if (opts.all || opts.discover) return project.workflows;
  if (opts.workflow === undefined && project.workflows.length > 1 && terminal.canPrompt()) {
    const chosen = await prompt.select(`Which workflow do you want to ${purpose}?`, [...project.workflows.map((w) => w.name), ALL_CHOICE]);
    return chosen === ALL_CHOICE ? project.workflows : project.workflows.filter((w) => w.name === chosen);
  }
  return [await selectWorkflow(project, opts.workflow, purpose)];
}

/**
 * Runs `each` on the selected workflows and emits: the single document as before for one
 * workflow, `{"workflows":[…]}` with --all, `{"projects":[{"root","config","workflows"}]}`
 * with --discover.
 */
export async function runMany<R>(cli: Cli, opts: ManyOptions, purpose: string, each: PerWorkflow<R>, hooks: Hooks = {}): Promise<void> {
  checkFlags(opts);
  if (!opts.discover) {
    const project = await openProject(projectOptions(cli.globals));
    const workflows = await workflowsOf(project, opts, purpose);
    const results = await runProject(project, workflows, each, hooks);
    if (!opts.all && results.length === 1) {
      const [only] = results as [{ json: R; text: () => string }];
      emit(only.json, only.text);
      return;
    }
    emit({ workflows: results.map((r) => r.json) }, () => results.map((r) => r.text()).join("\n\n"));
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
      const results = await runProject(project, project.workflows, each, hooks);
      projects.push({ root: p.root, config: p.config, workflows: results.map((r) => r.json) });
      if (!terminal.json) out.line(`${results.map((r) => r.text()).join("\n\n")}\n`);
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
