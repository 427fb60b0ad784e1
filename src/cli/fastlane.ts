/**
 * The fast lane: the commands scripts and agents call most (`ls`, `log`, `plan`,
 * `apply`, `create`, `rm`) run without loading commander (~15 ms of Bun start-up) or node:util (~3 ms)
 * when their arguments are plain: known options, in `--flag value` or `--flag=value`
 * form. Anything else (help, unknown flags, `--`, a missing value) returns null and goes
 * to commander. Both are derived from the command table (src/commands/): the lanes are
 * the commands it marks `fastLane`, with the options it declares for them.
 */
import { COMMANDS, GLOBAL_OPTIONS } from "../commands/index.ts";
import { type CommandSpec, type OptionSpec, attributeName, flagNames, isVariadic, takesValue } from "../commands/spec.ts";
import { commandHandler } from "./commands/index.ts";
import type { Cli } from "./context.ts";

interface LaneOption {
  /** The option's name as commander reports it (`dryRun` for `--dry-run`). */
  name: string;
  type: "string" | "boolean";
  /** The only values accepted; anything else goes to commander for its message. */
  choices?: readonly string[];
}

export interface Lane {
  options: Record<string, LaneOption>;
  /** How many positionals at most; `variadic` ones are handed over as one array (`[name...]`). */
  positionals: number;
  variadic?: boolean;
}

function laneOptions(options: readonly OptionSpec[]): Record<string, LaneOption> {
  const byFlag: Record<string, LaneOption> = {};
  for (const option of options) {
    const lane: LaneOption = { name: attributeName(option), type: takesValue(option) ? "string" : "boolean", ...(option.choices && { choices: option.choices }) };
    for (const flag of flagNames(option)) byFlag[flag] = lane;
  }
  return byFlag;
}

function laneOf(command: CommandSpec): Lane {
  const args = command.args ?? [];
  const variadic = args.some(isVariadic);
  return {
    options: laneOptions([...GLOBAL_OPTIONS, ...(command.options ?? [])]),
    positionals: variadic ? Number.POSITIVE_INFINITY : args.length,
    ...(variadic && { variadic }),
  };
}

/** The lanes: the commands the table marks `fastLane`, with their options and the global ones. */
export const lanes: Record<string, Lane> = Object.fromEntries(COMMANDS.filter((c: CommandSpec) => c.fastLane).map((c) => [c.name, laneOf(c)]));

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
    if (option.choices && !option.choices.includes(value)) return null;
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
