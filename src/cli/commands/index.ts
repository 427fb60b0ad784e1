/**
 * The built-in commands' handlers, each loaded only when its command runs. One per command
 * of the table (src/commands/), which the type checks: a command without a handler does
 * not compile. Spelled out rather than `import(`./${name}.ts`)` so that the bundler sees
 * every one (src/cli/bundle.ts).
 */
import type { CommandName } from "../../commands/index.ts";
import type { Cli } from "../context.ts";

export type Handler = (cli: Cli, ...args: unknown[]) => Promise<void>;

// Each module's default takes its own arguments; the caller passes commander's.
type Loader = () => Promise<{ default: (cli: Cli, ...args: any[]) => Promise<void> }>;

const modules: Record<CommandName, Loader> = {
  apply: () => import("./graph/apply.ts"),
  cache: () => import("./graph/cache.ts"),
  code: () => import("./workspaces/code.ts"),
  completion: () => import("./completion.ts"),
  create: () => import("./workspaces/create.ts"),
  diff: () => import("./changes/diff.ts"),
  doctor: () => import("./project/doctor.ts"),
  forward: () => import("./workspaces/forward.ts"),
  gc: () => import("./project/gc.ts"),
  init: () => import("./project/init.ts"),
  log: () => import("./graph/log.ts"),
  mcp: () => import("./clients/mcp.ts"),
  merge: () => import("./changes/merge.ts"),
  ls: () => import("./workspaces/ls.ts"),
  plan: () => import("./graph/plan.ts"),
  projects: () => import("./project/projects.ts"),
  providers: () => import("./project/providers.ts"),
  renew: () => import("./workspaces/renew.ts"),
  rm: () => import("./workspaces/rm.ts"),
  run: () => import("./workspaces/run.ts"),
  serve: () => import("./clients/serve.ts"),
  shell: () => import("./workspaces/shell.ts"),
  start: () => import("./workspaces/start.ts"),
  stop: () => import("./workspaces/stop.ts"),
  ui: () => import("./clients/ui.ts"),
  version: () => import("./version.ts"),
};

/** The handler of a built-in command. */
export async function commandHandler(name: string): Promise<Handler> {
  const load = modules[name as CommandName];
  if (!load) throw new Error(`no module for the command "${name}"`);
  return (await load()).default as Handler;
}
