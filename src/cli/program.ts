/**
 * The commander program, built from the command table (src/commands/). Command modules
 * load lazily, so `rig ls` never pays for the config loader and `rig plan` never pays
 * for prompts.
 */
import { Argument, Command, CommanderError, Option } from "commander";
import { RigError } from "../errors.ts";
import { writeOut } from "../host/io.ts";
import { COMMANDS, type CommandName, GLOBAL_OPTIONS } from "../commands/index.ts";
import type { CommandSpec, OptionSpec } from "../commands/spec.ts";
import { commandHandler } from "./commands/index.ts";
import type { Cli } from "./context.ts";
import { VERSION } from "../version.ts";

/** Adds the global options (src/commands/shared.ts), so they are accepted after the command word too. */
export function withGlobals(command: Command): Command {
  command.optionsGroup("Global options:");
  for (const option of GLOBAL_OPTIONS) command.addOption(toOption(option));
  return command;
}

/** A table option as commander's. */
function toOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.choices) option.choices(spec.choices);
  if (spec.default !== undefined) option.default(spec.default);
  return option;
}

/** commander settings every command shares: errors are thrown, never printed or exited on. */
export function strict(command: Command): Command {
  return command
    .exitOverride()
    .configureOutput({ writeOut, writeErr: () => {}, outputError: () => {} })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);
}

export function buildProgram(cli: Cli): Command {
  const lazy = (name: CommandName) => async (...args: unknown[]) => {
    const handler = await commandHandler(name);
    // commander passes positional arguments, then the options object, then the command.
    await handler(cli, ...args.slice(0, -1));
  };
  const program = strict(new Command("rig"))
    .description("Local-first dev-machine manager: set up once, fork many.")
    .usage("<command> [options]")
    .version(VERSION, "-v, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .helpCommand("help [command]", "show help for a command")
    .addHelpText(
      "after",
      `
Workspace operations:
  rig <workspace>/<operation> [flags]   run an operation of the config on a workspace
  rig run <workspace> <operation>       the same, spelled out
  rig <operation> [flags]               run a workflow operation

Examples:
  rig init                 write a starter rigkit/index.ts
  rig plan                 show what is cached and what would run
  rig apply                run what is stale
  rig create ws1 ws2       fork two workspaces from the prepared result
  rig shell ws1            open a shell in ws1
  rig exec ws1 -- make     run a command in ws1
  rig rm --all --yes       remove every workspace`,
    );

  for (const spec of COMMANDS as readonly CommandSpec[]) {
    if (spec.builtIn) continue; // commander's own help command
    const command = strict(program.command(spec.name).description(spec.description)).addHelpText(
      "after",
      `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join("\n")}`,
    );
    for (const alias of spec.aliases ?? []) command.alias(alias);
    for (const arg of spec.args ?? []) {
      const argument = new Argument(arg.name, arg.description);
      if (arg.choices) argument.choices(arg.choices);
      command.addArgument(argument);
    }
    for (const option of spec.options ?? []) command.addOption(toOption(option));
    if (spec.passThrough) command.allowUnknownOption();
    // A command with its own parser (exec) reaches commander only for its help.
    if (!spec.ownParser) command.action(lazy(spec.name as CommandName));
  }
  // Global options last, so each command's help lists its own options first.
  for (const command of [program, ...program.commands]) withGlobals(command);
  return program;
}


/**
 * Parses (and runs the action). False when commander printed help or the version
 * instead; its errors become usage errors (exit 2).
 */
export async function parseWith(command: Command, argv: string[], hint: string): Promise<boolean> {
  try {
    await command.parseAsync(argv, { from: "user" });
    return true;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return false;
      throw new RigError("USAGE", error.message.replace(/^error: /, ""), { detail: [hint] });
    }
    throw error;
  }
}

/** Runs a built-in command through commander; bare `rig` prints the help. */
export async function runProgram(cli: Cli, argv: string[], hasCommand: boolean): Promise<number> {
  const program = buildProgram(cli);
  if (!hasCommand && !argv.some((a) => ["-h", "--help", "-v", "--version"].includes(a))) {
    program.outputHelp();
    return 0;
  }
  await parseWith(program, argv, "Run `rig help` for usage.");
  return 0;
}
