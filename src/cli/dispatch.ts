/**
 * Routes argv: operations (`rig ws1/test`, `rig doctor-db`), the read-only fast lane, or
 * the commander program. Returns the exit code; throws RigError on failure.
 */
import { terminal } from "../host/terminal.ts";
import { BUILTIN_COMMANDS, commandFirst, commandIndex, readGlobals, rewrite, runsOnMany } from "./argv.ts";
import type { Cli } from "./context.ts";
import { fastLane } from "./fastlane.ts";

export async function runCli(rawArgv: string[], signal: AbortSignal): Promise<number> {
  const argv = commandFirst(rewrite(rawArgv));
  const globals = readGlobals(argv);
  terminal.json = globals.json;
  const cli: Cli = { globals, signal };
  const index = commandIndex(argv);
  const word = index >= 0 ? (argv[index] as string) : undefined;

  if (word !== undefined && !(BUILTIN_COMMANDS as readonly string[]).includes(word)) {
    const { runOperationCommand } = await import("./commands/workspaces/operation.ts");
    return runOperationCommand(cli, argv, index);
  }
  if (word === "run" && runsOnMany(argv.slice(index + 1)) && !argv.includes("-h") && !argv.includes("--help")) {
    const { runMany } = await import("./commands/workspaces/run-many.ts");
    return runMany(cli, argv.slice(index + 1));
  }
  if (word === "exec") {
    const { runExec } = await import("./commands/workspaces/exec.ts");
    const code = await runExec(cli, argv, index);
    if (code !== null) return code;
  }
  if (await fastLane(cli, argv)) return 0;
  const { runProgram } = await import("./program.ts");
  return runProgram(cli, argv, word !== undefined);
}
