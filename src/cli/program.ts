/**
 * The commander program. Command modules load lazily, so `rig ls` never pays for the
 * config loader and `rig plan` never pays for prompts.
 */
import { Argument, Command, CommanderError, Option } from "commander";
import { RigError } from "../errors.ts";
import { writeOut } from "../host/io.ts";
import { commandHandler } from "./commands/index.ts";
import type { Cli } from "./context.ts";
import { VERSION } from "./version.ts";

/** Adds the global options, so they are accepted after the command word too. */
export function withGlobals(command: Command): Command {
  return command
    .optionsGroup("Global options:")
    .option("--chdir <dir>", "run as if rig was started in <dir>")
    .option("--config <file>", "use this config file instead of searching for rigkit.config.ts")
    .option("--state <file>", "use this state file instead of .rigkit/state.sqlite")
    .option("--json", "print exactly one JSON document on stdout")
    .option("--lock-timeout <duration>", "how long to wait for another rig changing this project (e.g. 30s, 5m; 0 = fail at once)", "5m");
}

/** commander settings every command shares: errors are thrown, never printed or exited on. */
export function strict(command: Command): Command {
  return command
    .exitOverride()
    .configureOutput({ writeOut, writeErr: () => {}, outputError: () => {} })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);
}

const workflowOption = () => new Option("--workflow <name>", "the workflow to use (needed when the project has several)");

const concurrencyOption = () => new Option("--concurrency <n>", "run at most n tasks (and workspace creations) at once (default: the number of CPUs)");

export function buildProgram(cli: Cli): Command {
  const lazy = (name: string) => async (...args: unknown[]) => {
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
  rig init                 write a starter rigkit.config.ts
  rig plan                 show what is cached and what would run
  rig apply                run what is stale
  rig create ws1 ws2       fork two workspaces from the prepared result
  rig shell ws1            open a shell in ws1
  rig exec ws1 -- make     run a command in ws1
  rig rm --all --yes       remove every workspace`,
    );

  const add = (name: string, description: string, examples: string[]) =>
    strict(program.command(name).description(description)).addHelpText(
      "after",
      `\nExamples:\n${examples.map((e) => `  ${e}`).join("\n")}`,
    );

  add("init", "write rigkit.config.ts from a template and ignore .rigkit/ in git", ["rig init", "rig init --template docker", "rig init --template ssh --force"])
    .addOption(new Option("--template <name>", "the template to start from").choices(["local", "docker", "ssh"]).default("local"))
    .option("--force", "overwrite an existing rigkit.config.ts")
    .action(lazy("init"));

  add("plan", "show, per task, whether it is cached or would run, and why", ["rig plan", "rig plan --workflow app --json | jq .nodes", "rig plan --all", "rig plan --discover"])
    .addOption(workflowOption())
    .option("--all", "every workflow of the project")
    .option("--discover", "every project below the current directory (as `rig projects` lists them)")
    .action(lazy("plan"));

  add("apply", "run the pending tasks of a workflow", ["rig apply", "rig apply --dry-run", "rig apply --all"])
    .addOption(workflowOption())
    .option("--all", "every workflow of the project")
    .option("--discover", "every project below the current directory (as `rig projects` lists them)")
    .option("--dry-run", "show what would run without running it (same as plan)")
    .addOption(concurrencyOption())
    .action(lazy("apply"));

  add("create", "apply, then create workspaces from the prepared result", [
    "rig create ws1",
    "rig create ws1 ws2 ws3 --json",
    "rig create ws2 --from ws1          # a copy of ws1 as it is now",
    "rig create tmp --ttl 4h            # removed by `rig gc` once 4 hours have passed",
  ])
    .argument("[name...]", "workspace names: letters, digits, '.', '_', '-' (asked for on a terminal when omitted)")
    .option("--name <name>", "the workspace name (the same as giving it as an argument)")
    .addOption(workflowOption())
    .addOption(concurrencyOption())
    .option("--from <workspace>", "fork the current state of a live workspace instead of the workflow's result")
    .option("--ttl <duration>", "give the workspaces a lease (e.g. 30m, 4h, 2d); `rig gc` ends it")
    .addOption(new Option("--on-expiry <action>", "what `rig gc` does once the lease runs out (default: remove)").choices(["stop", "remove"]))
    .action(lazy("create"));

  add("rm", "remove workspaces (asks first on a terminal; --yes otherwise)", ["rig rm ws1", "rig rm --all --yes"])
    .alias("remove")
    .argument("[name...]", "workspaces to remove")
    .option("--all", "remove every workspace (of --workflow, if given)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--force", "stop operations running on it, and forget it even when its remove hook fails; without its workflow, destroy what its providers recorded")
    .addOption(workflowOption())
    .action(lazy("rm"));

  add("ls", "list workspaces with their live status, grouped by workflow", ["rig ls", "rig ls --json | jq '.workspaces[].status'", "rig ls --cached", "rig ls config --workflow app"])
    .argument("[what]", "workspaces (default), config, or snapshots (cached task runs holding images or prepared directories)")
    .addOption(new Option("--workflow <name>", "only this workflow's workspaces (or config)"))
    .option("--cached", "answer from the state file alone, without asking providers")
    .action(lazy("ls"));

  add("exec", "run a command in a workspace (its directory, container or remote directory); exits with its exit code", [
    "rig exec ws1 -- make test",
    "rig exec ws1 -- sh -c 'echo $PWD'",
    "rig exec ws1 --json -- cat VERSION | jq -r .stdout",
  ])
    .argument("<workspace>")
    .argument("[command...]", "the command and its arguments (after --, so its flags stay its own)")
    .addOption(workflowOption());

  add("shell", "open an interactive login shell in a workspace (needs a terminal)", ["rig shell ws1"])
    .argument("<workspace>")
    .addOption(workflowOption())
    .action(lazy("shell"));

  add("stop", "stop a workspace's machines, keeping their data (Docker containers); also rig <ws>/stop", ["rig stop ws1", "rig stop ws1 ws2"])
    .argument("<workspace...>")
    .addOption(workflowOption())
    .option("--force", "stop operations running on it instead of waiting for them")
    .action(lazy("stop"));

  add("start", "start a stopped workspace's machines; also rig <ws>/start", ["rig start ws1"])
    .argument("<workspace...>")
    .addOption(workflowOption())
    .action(lazy("start"));

  add("forward", "forward 127.0.0.1:<local> to a port in a workspace until Ctrl-C", ["rig forward ws1 8080", "rig forward ws1 80:8080 5432"])
    .argument("<workspace>")
    .argument("<port...>", "<port> or <port>:<local port>")
    .addOption(workflowOption())
    .action(lazy("forward"));

  add("code", "open VS Code on a workspace (local folder, Remote-SSH, attached container)", ["rig code ws1", "rig code ws1 --print"])
    .argument("<workspace>")
    .option("--print", "print the command and URI instead of running code")
    .addOption(workflowOption())
    .action(lazy("code"));

  add("renew", "extend workspaces' leases (from now)", ["rig renew ws1", "rig renew ws1 ws2 --ttl 8h"])
    .argument("<workspace...>")
    .option("--ttl <duration>", "the new lease (default: the workspace's workflow's ttl)")
    .addOption(workflowOption())
    .action(lazy("renew"));

  add("run", "run a workspace operation: rig run <workspace> <operation> [flags]", ["rig run ws1 test --filter unit"])
    .argument("<workspace>")
    .argument("<operation>")
    .addOption(workflowOption())
    .allowUnknownOption()
    .action(lazy("run"));

  add("diff", "show what changed in a workspace since it was made (a unified diff)", ["rig diff ws1", "rig diff ws1 --stat", "rig diff ws1 --json | jq '.files[].path'"])
    .argument("<workspace>")
    .option("--stat", "only the changed files and their line counts")
    .addOption(workflowOption())
    .action(lazy("diff"));

  add("merge", "put a workspace's changes on branch rig/<ws> of the project's repository (working tree, index and HEAD untouched)", [
    "rig merge ws1 && git merge rig/ws1",
    "rig merge ws1 --patch > ws1.patch",
  ])
    .argument("<workspace>")
    .option("--patch", "print the changes as a patch instead of making a branch")
    .addOption(workflowOption())
    .action(lazy("merge"));

  add("serve", "serve the HTTP API (and dashboard) of this project on 127.0.0.1 until Ctrl-C", ["rig serve", "rig serve --port 7070", "rig serve --socket /tmp/rig.sock"])
    .option("--port <n>", "the TCP port on 127.0.0.1 (default: a free one)")
    .option("--socket <path>", "listen on a unix socket instead")
    .option("--dashboard-url", "also print the dashboard's sign-in URL (it carries the token: keep it out of logs)")
    .action(lazy("serve"));

  add("mcp", "a Model Context Protocol server on stdio, for coding agents", ["rig mcp", "claude mcp add rig -- rig mcp --chdir /path/to/project"]).action(lazy("mcp"));

  add("cache", "inspect and change a workflow's task cache", [
    "rig cache app ls",
    "rig cache app explain install",
    "rig cache app invalidate install",
    "rig cache app invalidate --all --yes",
    "rig cache app clear",
  ])
    .argument("[workflow]", "the workflow whose cache to use (optional when there is one)")
    .argument("[action]", "what to do: ls, explain, invalidate, clear")
    .argument("[task]", "a task path or id (explain, invalidate)")
    .option("--all", "invalidate every task")
    .option("--local", "clear only the project's entries")
    .option("--global", "clear only global fragment entries")
    .option("-y, --yes", "do not ask for confirmation")
    .action(lazy("cache"));

  add("log", "history of applies, creates, removes and operations", ["rig log", "rig log --workflow app --json"])
    .addOption(workflowOption())
    .option("-n, --limit <n>", "how many entries", "50")
    .action(lazy("log"));

  add("ui", "open the dashboard in the browser (starts rig serve unless it is running)", ["rig ui", "RIGKIT_NO_BROWSER=1 rig ui"])
    .option("--port <port>", "the port, when it starts the server (default: a free one)")
    .action(lazy("ui"));

  add("gc", "remove what providers made for this project that no workspace owns, and end expired leases", ["rig gc --dry-run", "rig gc --yes"])
    .option("--dry-run", "only list what would be removed")
    .option("-y, --yes", "do not ask for confirmation")
    .action(lazy("gc"));

  add("projects", "find rig projects below the current directory", ["rig projects", "rig projects --json | jq -r '.projects[].root'"]).action(
    lazy("projects"),
  );

  add("doctor", "check the runtime, the state file, the config and every provider", ["rig doctor", "rig doctor --json | jq -e .ok", "rig doctor --cli"])
    .option("--cli", "only rig itself and the tools it calls (no project needed)")
    .action(lazy("doctor"));

  add("completion", "print a shell completion script (bash, zsh or fish; from $SHELL when omitted)", [
    "source <(rig completion bash)     # in ~/.bashrc",
    "source <(rig completion zsh)      # in ~/.zshrc",
    "rig completion fish | source      # in ~/.config/fish/config.fish",
  ])
    .addArgument(new Argument("[shell]", "the shell").choices(["bash", "zsh", "fish"]))
    .action(lazy("completion"));

  add("providers", "forget what a provider stored (project storage and host storage)", ["rig providers ssh clear", "rig providers docker clear --json"])
    .argument("<id>", "the provider id (local, docker, ssh, or a custom provider's)")
    .addArgument(new Argument("<action>", "what to do").choices(["clear"]))
    .action(lazy("providers"));

  add("version", "print the versions of rig and Bun", ["rig version --json"]).action(lazy("version"));
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
