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
  apply: () => import("./apply.ts"),
  cache: () => import("./cache.ts"),
  code: () => import("./code.ts"),
  completion: () => import("./completion.ts"),
  create: () => import("./create.ts"),
  diff: () => import("./diff.ts"),
  doctor: () => import("./doctor.ts"),
  forward: () => import("./forward.ts"),
  gc: () => import("./gc.ts"),
  init: () => import("./init.ts"),
  log: () => import("./log.ts"),
  mcp: () => import("./mcp.ts"),
  merge: () => import("./merge.ts"),
  ls: () => import("./ls.ts"),
  plan: () => import("./plan.ts"),
  projects: () => import("./projects.ts"),
  providers: () => import("./providers.ts"),
  renew: () => import("./renew.ts"),
  rm: () => import("./rm.ts"),
  run: () => import("./run.ts"),
  serve: () => import("./serve.ts"),
  shell: () => import("./shell.ts"),
  start: () => import("./start.ts"),
  stop: () => import("./stop.ts"),
  ui: () => import("./ui.ts"),
  version: () => import("./version.ts"),
};

/** The handler of a built-in command. */
export async function commandHandler(name: string): Promise<Handler> {
  const load = modules[name as CommandName];
  if (!load) throw new Error(`no module for the command "${name}"`);
  return (await load()).default as Handler;
}
