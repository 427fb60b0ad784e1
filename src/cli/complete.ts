/**
 * `rig __complete -- <words…>`: the completion endpoint the shell scripts call. The last
 * word is the one being completed (possibly empty). It answers from the state file alone
 * (workspaces, and the manifest of workflows, operations and flags saved at each config
 * load), so it never imports the config, commander or provider code.
 *
 * Output: one candidate per line, `value<TAB>description`.
 *
 * A TAB press waits for it, so it opens the state read-only and loads no node:fs.
 */
import { resolve } from "node:path";
import { openState } from "../engine/project/locate.ts";
import type { Manifest, ManifestOperation } from "../engine/project/manifest.ts";
import { CACHE_ACTIONS } from "../commands/graph/cache.ts";
import { COMMANDS, COMMAND_BY_NAME, GLOBAL_OPTIONS } from "../commands/index.ts";
import { type ArgSpec, type CommandSpec, type OptionSpec, flagNames, isVariadic, longFlag, takesValue } from "../commands/spec.ts";
import { commandIndex, operationSummary, parseOperationToken, readGlobals } from "./argv.ts";

interface Spec {
  description: string;
  flags: string[];
  /** The positional arguments; the last one repeats when `repeat` is set. */
  args: readonly ArgSpec[];
  repeat?: boolean;
}

/** The global flags, offered after every command (and --help). */
export const GLOBAL_FLAGS = [...GLOBAL_OPTIONS.map(longFlag), "--help"];

/** What completion knows of each command and alias: the command table's declarations. */
export const COMMAND_SPECS: Record<string, Spec> = Object.fromEntries(
  [...COMMAND_BY_NAME].map(([name, c]) => {
    const args = c.args ?? [];
    const spec: Spec = { description: c.summary, flags: (c.options ?? []).map(longFlag), args, ...(args.some(isVariadic) && { repeat: true }) };
    return [name, spec];
  }),
);

/** Options whose value is the next word, with what completes it (the first declaration of each flag). */
const VALUE_FLAGS = new Map<string, OptionSpec>();
for (const option of [...GLOBAL_OPTIONS, ...COMMANDS.flatMap((c: CommandSpec) => c.options ?? [])]) {
  if (takesValue(option)) for (const flag of flagNames(option)) if (!VALUE_FLAGS.has(flag)) VALUE_FLAGS.set(flag, option);
}

interface Known {
  manifest: Manifest | null;
  workspaces: { name: string; workflow: string }[];
}

async function load(words: string[]): Promise<Known> {
  const globals = readGlobals(words);
  try {
    const cwd = resolve(process.cwd(), globals.chdir ?? ".");
    const { store } = await openState({ cwd, config: globals.config, state: globals.state }, { readOnly: true });
    if (!store) return { manifest: null, workspaces: [] };
    const body = store.manifest(); // parsed here: engine/project/manifest.ts would load hashing code
    const known = { manifest: body ? (JSON.parse(body) as Manifest) : null, workspaces: store.workspaceNames() };
    store.close();
    return known;
  } catch {
    return { manifest: null, workspaces: [] }; // no project, or an unreadable state: complete what needs none
  }
}

const line = (value: string, description = "") => (description ? `${value}\t${description}` : value);

function operationsOf(known: Known, workspace: string): ManifestOperation[] {
  const workflows = new Set(known.workspaces.filter((w) => w.name === workspace).map((w) => w.workflow));
  return (known.manifest?.workflows ?? []).filter((w) => workflows.has(w.name)).flatMap((w) => w.workspaceOperations);
}

function inputFlags(op: ManifestOperation): string[] {
  return op.inputs.flatMap((i) => (i.kind === "boolean" ? [line(`--${i.flag}`, i.description), `--no-${i.flag}`] : [line(`--${i.flag}`, i.description)]));
}

/** The candidates for the last word of `words` (the words after `rig`), given what the state knows. */
export function complete(words: string[], known: Known): string[] {
  const current = words.at(-1) ?? "";
  const before = words.slice(0, -1);
  const previous = before.at(-1);
  const workflows = known.manifest?.workflows ?? [];
  const workflowNames = workflows.map((w) => line(w.name));
  const index = commandIndex(before);
  const command = index >= 0 ? (before[index] as string) : undefined;
  const spec = command ? COMMAND_SPECS[command] : undefined;

  // An operation: `ws/op` or a workflow operation id, then its flags and enum values.
  let op: ManifestOperation | undefined;
  if (command && !spec) {
    const target = parseOperationToken(command);
    if (!("error" in target)) {
      op =
        target.workspace !== undefined
          ? operationsOf(known, target.workspace).find((o) => o.id === target.operation)
          : workflows.flatMap((w) => w.operations).find((o) => o.id === target.operation);
    }
  }
  if (previous?.startsWith("-")) {
    const option = VALUE_FLAGS.get(previous);
    if (option) {
      if (option.completes === "workspace") return [...new Set(known.workspaces.map((w) => w.name))];
      if (option.completes === "workspaces") {
        // A comma-separated list: the names not in it yet, after what is typed so far.
        const typed = current.slice(0, current.lastIndexOf(",") + 1);
        const listed = new Set(typed.split(","));
        return [...new Set(known.workspaces.map((w) => w.name))].filter((n) => !listed.has(n)).map((n) => `${typed}${n}`);
      }
      return option.completes === "workflow" ? workflowNames : option.completes === "choices" ? [...(option.choices ?? [])] : [];
    }
    const input = op?.inputs.find((i) => `--${i.flag}` === previous);
    if (input && input.kind !== "boolean") return input.choices ?? [];
  }

  if (current.startsWith("-")) {
    const own = spec ? spec.flags : op ? [...inputFlags(op), "--workflow"] : command ? [] : ["--version"];
    return [...own, ...GLOBAL_FLAGS];
  }

  if (!command) {
    const slash = current.indexOf("/");
    if (slash >= 0) {
      const ws = current.slice(0, slash);
      return operationsOf(known, ws).map((o) => line(`${ws}/${o.id}`, operationSummary(o)));
    }
    const names = [...new Set(known.workspaces.map((w) => w.name))];
    return [
      ...Object.entries(COMMAND_SPECS).map(([name, s]) => line(name, s.description)),
      ...names.map((name) => line(`${name}/`, "workspace")),
      ...workflows.flatMap((w) => w.operations.map((o) => line(o.id, operationSummary(o) || `operation of ${w.name}`))),
    ];
  }
  if (!spec) return [];

  // Which positional argument of the command is being completed.
  const positionals: string[] = [];
  for (let i = index + 1; i < before.length; i++) {
    const word = before[i] as string;
    if (word.startsWith("-")) {
      if (VALUE_FLAGS.has(word)) i++;
      continue;
    }
    positionals.push(word);
  }
  // `rig cache <action> …`: the workflow may be left out when there is only one.
  const onlyWorkflow = workflows.length === 1 ? (workflows[0]?.name as string) : undefined;
  if (command === "cache" && onlyWorkflow && (CACHE_ACTIONS as readonly string[]).includes(positionals[0] ?? "")) positionals.unshift(onlyWorkflow);
  // With --all or -w, no workspace comes first: `run` takes the operation, `exec` the command.
  if ((command === "run" || command === "exec") && before.slice(index + 1).some((w) => w === "--all" || w === "-w" || w === "--workspaces")) {
    if (command === "exec" || positionals.length > 0) return [];
    const ops = workflows.flatMap((w) => w.workspaceOperations);
    return [...new Map(ops.map((o) => [o.id, line(o.id, operationSummary(o))])).values()];
  }
  const at = positionals.length;
  const arg = spec.args[Math.min(at, spec.args.length - 1)];
  if (arg === undefined || (at >= spec.args.length && !spec.repeat)) return [];
  switch (arg.completes) {
    case "workspace": {
      const names = [...new Set(known.workspaces.map((w) => w.name))];
      return names.filter((n) => !positionals.includes(n));
    }
    case "operation":
      return operationsOf(known, positionals[0] ?? "").map((o) => line(o.id, operationSummary(o)));
    case "workflow":
      return command === "cache" && onlyWorkflow ? [...workflowNames, ...CACHE_ACTIONS] : workflowNames;
    case "choices":
      return [...(arg.choices ?? arg.values ?? [])];
    case "task":
      return ["explain", "invalidate"].includes(positionals[1] ?? "") ? (workflows.find((w) => w.name === positionals[0])?.tasks ?? []) : [];
    case "command":
      return Object.keys(COMMAND_SPECS);
    case "none":
    case "files":
    case "workspaces":
      return [];
  }
}

/** Entry point: prints the candidates that start with the current word. */
export async function runComplete(argv: string[]): Promise<void> {
  const words = argv[0] === "--" ? argv.slice(1) : argv;
  if (words.length === 0) words.push("");
  const current = words.at(-1) as string;
  const out = complete(words, await load(words)).filter((c) => c.startsWith(current));
  if (out.length > 0) console.log(out.join("\n"));
}
