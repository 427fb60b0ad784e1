/**
 * The fast lane: the commands scripts and agents call most (`ls`, `log`, `plan`,
 * `apply`, `create`, `rm`) run without loading commander (~15 ms of Bun start-up) or node:util (~3 ms)
 * when their arguments are plain: known options, in `--flag value` or `--flag=value`
 * form. Anything else (help, unknown flags, `--`, a missing value) returns null and goes
 * to commander, which stays the one definition of every command; a test keeps the
 * lanes in step with it.
 */
import { commandHandler } from "./commands/index.ts";
import type { Cli } from "./context.ts";

interface LaneOption {
  /** The option's name as commander reports it (`dryRun` for `--dry-run`). */
  name: string;
  type: "string" | "boolean";
}

export interface Lane {
  options: Record<string, LaneOption>;
  /** How many positionals at most; `variadic` ones are handed over as one array (`[name...]`). */
  positionals: number;
  variadic?: boolean;
}

const string = (name: string): LaneOption => ({ name, type: "string" });
const globals: Record<string, LaneOption> = {
  "--chdir": string("chdir"),
  "--config": string("config"),
  "--state": string("state"),
  "--lock-timeout": string("lockTimeout"),
  "--json": { name: "json", type: "boolean" },
};

const many: Record<string, LaneOption> = {
  "--workflow": string("workflow"),
  "--all": { name: "all", type: "boolean" },
  "--discover": { name: "discover", type: "boolean" },
};

export const lanes: Record<string, Lane> = {
  ls: { options: { ...globals, "--cached": { name: "cached", type: "boolean" }, "--workflow": string("workflow") }, positionals: 1 },
  log: { options: { ...globals, "--workflow": string("workflow"), "--limit": string("limit"), "-n": string("limit") }, positionals: 0 },
  plan: { options: { ...globals, ...many }, positionals: 0 },
  apply: {
    options: { ...globals, ...many, "--dry-run": { name: "dryRun", type: "boolean" }, "--concurrency": string("concurrency") },
    positionals: 0,
  },
  create: { options: { ...globals, "--workflow": string("workflow"), "--concurrency": string("concurrency") }, positionals: Number.POSITIVE_INFINITY, variadic: true },
  rm: {
    options: {
      ...globals,
      "--workflow": string("workflow"),
      "--all": { name: "all", type: "boolean" },
      "--yes": { name: "yes", type: "boolean" },
      "-y": { name: "yes", type: "boolean" },
      "--force": { name: "force", type: "boolean" },
    },
    positionals: Number.POSITIVE_INFINITY,
    variadic: true,
  },
};

/** Strictly parses the arguments after the command word; null when anything is unusual. */
export function parseLane(args: readonly string[], lane: Lane): { values: Record<string, string | boolean>; positionals: string[] } | null {
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const option = lane.options[eq > 0 ? arg.slice(0, eq) : arg];
    if (!option) return null;
    if (option.type === "boolean") {
      if (eq > 0) return null;
      values[option.name] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith("-"))) return null;
    values[option.name] = value;
  }
  return positionals.length > lane.positionals ? null : { values, positionals };
}

/** Runs the command and returns true, or returns false to let commander handle argv. */
export async function fastLane(cli: Cli, argv: string[]): Promise<boolean> {
  const command = argv[0];
  const lane = command === undefined ? undefined : lanes[command];
  const parsed = lane && parseLane(argv.slice(1), lane);
  if (!lane || !parsed) return false;
  const handler = await commandHandler(command as string);
  const positionals = lane.variadic ? [parsed.positionals] : lane.positionals > 0 ? [parsed.positionals[0]] : [];
  await handler(cli, ...positionals, parsed.values);
  return true;
}
