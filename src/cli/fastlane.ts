/**
 * The fast lane: `ls` and `log` with plain arguments run without loading commander
 * (about 15 ms of Bun start-up), since scripts and prompts call them often. Anything
 * the strict `node:util` parser does not accept (help, unknown flags, odd spellings)
 * falls through to commander, which stays the one definition of every command.
 */
import { parseArgs } from "node:util";
import type { Cli } from "./context.ts";

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

const globals: Options = {
  chdir: { type: "string" },
  config: { type: "string" },
  state: { type: "string" },
  json: { type: "boolean" },
  "lock-timeout": { type: "string" },
};

const lanes: Record<string, { options: Options; positionals: number }> = {
  ls: { options: globals, positionals: 1 },
  log: { options: { ...globals, workflow: { type: "string" }, limit: { type: "string", short: "n" } }, positionals: 0 },
};

/** Runs the command and returns true, or returns false to let commander handle argv. */
export async function fastLane(cli: Cli, argv: string[]): Promise<boolean> {
  const command = argv.find((a) => !a.startsWith("-"));
  const lane = command === undefined ? undefined : lanes[command];
  if (!lane || argv[0] !== command) return false;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv.slice(1), options: lane.options, allowPositionals: true, strict: true });
  } catch {
    return false;
  }
  if (parsed.positionals.length > lane.positionals) return false;
  const mod = (await import(`./commands/${command}.ts`)) as { default: (cli: Cli, ...args: unknown[]) => Promise<void> };
  await mod.default(cli, ...(lane.positionals > 0 ? [parsed.positionals[0]] : []), parsed.values);
  return true;
}
