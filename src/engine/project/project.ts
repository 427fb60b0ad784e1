/** A loaded project: config location, compiled workflows, state store and providers. */
import { relative } from "node:path";
import { RigError } from "../../errors.ts";
import { terminalPrompter } from "../../host/prompter.ts";
import { reapLeftovers, registerRun } from "../../host/supervisor.ts";
import { waiting } from "../../host/waiting.ts";
import type { ProjectInfo } from "../../sdk/provider.ts";
import type { PromptApi } from "../../sdk/types.ts";
import { Store } from "../../state/store.ts";
import { type CompiledWorkflow, compileWorkflow } from "../graph/compile.ts";
import { loadWorkflows } from "./config.ts";
import { type ConfigLocation, type ProjectOptions, findConfig, projectDirOf, stateDirOf, statePath } from "./locate.ts";
import { buildManifest, saveManifest } from "./manifest.ts";
import { ProviderRegistry } from "./providers.ts";
import { recover } from "./recovery.ts";
import { ensureSdkLink } from "./sdklink.ts";
import { Stores } from "./run-stores.ts";

export type { ProjectOptions };

export interface Project {
  location: ConfigLocation;
  info: ProjectInfo;
  store: Store;
  /** The project store and the `.global()` fragment stores. */
  stores: Stores;
  registry: ProviderRegistry;
  workflows: CompiledWorkflow[];
}

/** Finds, imports and compiles the config, then opens the state file and saves the manifest. */
export async function openProject(options: ProjectOptions): Promise<Project> {
  const location = await findConfig(options);
  // Before config code runs: processes of a killed rig are stopped, and ours can be found
  // if we are killed in turn (src/host/supervisor.ts).
  await reapLeftovers(stateDirOf(location));
  registerRun(stateDirOf(location));
  const sources = await waiting(() => loadWorkflows(location));
  const keys = new Map();
  const workflows = sources.map((source) => compileWorkflow(source, keys));
  const dir = projectDirOf(location);
  const store = Store.open(statePath(location, options), { projectDir: dir });
  store.recordProjectDir(dir);
  recover(store);
  ensureSdkLink(stateDirOf(location));
  saveManifest(store, buildManifest(workflows));
  const info: ProjectInfo = { id: store.projectId(), root: location.root, dir, stateDir: stateDirOf(location) };
  return { location, info, store, stores: new Stores(store), registry: new ProviderRegistry(info, store), workflows };
}

/**
 * The project for reading only (`ls` with live status): the config and an existing state
 * file opened read-only, nothing written. Null when there is no state file yet.
 */
export async function openProjectReadOnly(options: ProjectOptions): Promise<Project | null> {
  const location = await findConfig(options);
  const store = await Store.openReadOnly(statePath(location, options));
  if (!store) return null;
  const sources = await loadWorkflows(location);
  const keys = new Map();
  const workflows = sources.map((source) => compileWorkflow(source, keys));
  const info: ProjectInfo = { id: store.projectId(), root: location.root, dir: store.projectDir() ?? projectDirOf(location), stateDir: stateDirOf(location) };
  return { location, info, store, stores: new Stores(store), registry: new ProviderRegistry(info, store), workflows };
}

/** The config's name as the user knows it: `rigkit.config.ts`, `rigkit/index.ts`, or the --config file. */
export const configName = (project: Pick<Project, "location">): string => relative(project.location.root, project.location.path) || project.location.path;

/** The workflow named by `--workflow`, the only one, or the user's choice (when there is someone to ask). */
export async function selectWorkflow(
  project: { workflows: CompiledWorkflow[] },
  name: string | undefined,
  purpose = "use",
  prompter: PromptApi | null = terminalPrompter(),
): Promise<CompiledWorkflow> {
  const names = project.workflows.map((w) => w.name);
  if (name !== undefined) {
    const found = project.workflows.find((w) => w.name === name);
    if (!found) throw new RigError("UNKNOWN_WORKFLOW", `Unknown workflow "${name}"`, { detail: [`Workflows: ${names.join(", ")}`] });
    return found;
  }
  if (project.workflows.length === 1) return project.workflows[0] as CompiledWorkflow;
  if (prompter) {
    const chosen = await prompter.select(`Which workflow do you want to ${purpose}?`, names);
    return project.workflows.find((w) => w.name === chosen) as CompiledWorkflow;
  }
  throw new RigError("USAGE", `This project has several workflows; pass --workflow <name>${purpose === "plan" || purpose === "apply" ? " or --all" : ""}`, {
    detail: [`Workflows: ${names.join(", ")}`],
  });
}
