/**
 * The fast lane: the commands scripts and agents call most (`ls`, `log`, `plan`,
 * `apply`) run without loading commander (about 15 ms of Bun start-up) when their
 * arguments are plain. Anything the strict `node:util` parser does not accept (help,
 * unknown flags, odd spellings) falls through to commander, which stays the one
 * definition of every command; a test checks the lanes agree with it.
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

const workflow: Options = { workflow: { type: "string" } };

export const lanes: Record<string, { options: Options; positionals: number }> = {
  ls: { options: globals, positionals: 1 },
  log: { options: { ...globals, ...workflow, limit: { type: "string", short: "n" } }, positionals: 0 },
  plan: { options: { ...globals, ...workflow }, positionals: 0 },
  apply: { options: { ...globals, ...workflow, "dry-run": { type: "boolean" } }, positionals: 0 },
};

/** commander's option names: `dry-run` → `dryRun`. */
const camel = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v]));

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
  await mod.default(cli, ...(lane.positionals > 0 ? [parsed.positionals[0]] : []), camel(parsed.values));
  return true;
}
