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
import { commandIndex, operationSummary, parseOperationToken, readGlobals } from "./argv.ts";

type Arg = "workspace" | "workflow" | "cache-action" | "task" | "operation" | "shell" | "command" | "ls-what" | "none";

interface Spec {
  description: string;
  flags: string[];
  /** Kinds of the positional arguments; the last one repeats when `repeat` is set. */
  args: Arg[];
  repeat?: boolean;
}

export const GLOBAL_FLAGS = ["--chdir", "--config", "--state", "--json", "--lock-timeout", "--help"];

/** What completion knows of each command (kept in step with program.ts by a test). */
export const COMMAND_SPECS: Record<string, Spec> = {
  init: { description: "write rigkit.config.ts from a template", flags: ["--template", "--force"], args: [] },
  plan: { description: "show what is cached and what would run", flags: ["--workflow", "--all", "--discover"], args: [] },
  apply: { description: "run the pending tasks", flags: ["--workflow", "--all", "--discover", "--dry-run", "--concurrency"], args: [] },
  create: { description: "create workspaces", flags: ["--workflow", "--name", "--from", "--ttl", "--on-expiry", "--concurrency"], args: ["none"], repeat: true },
  rm: { description: "remove workspaces", flags: ["--all", "--yes", "--force", "--workflow"], args: ["workspace"], repeat: true },
  remove: { description: "remove workspaces", flags: ["--all", "--yes", "--force", "--workflow"], args: ["workspace"], repeat: true },
  ls: { description: "list workspaces", flags: ["--workflow", "--cached"], args: ["ls-what"] },
  exec: { description: "run a command in a workspace", flags: ["--workflow"], args: ["workspace", "none"], repeat: true },
  shell: { description: "open a shell in a workspace", flags: ["--workflow"], args: ["workspace"] },
  stop: { description: "stop workspaces' machines", flags: ["--workflow", "--force"], args: ["workspace"], repeat: true },
  start: { description: "start stopped workspaces", flags: ["--workflow"], args: ["workspace"], repeat: true },
  forward: { description: "forward ports of a workspace to 127.0.0.1", flags: ["--workflow"], args: ["workspace", "none"], repeat: true },
  code: { description: "open VS Code on a workspace", flags: ["--print", "--workflow"], args: ["workspace"] },
  renew: { description: "extend workspaces' leases", flags: ["--ttl", "--workflow"], args: ["workspace"], repeat: true },
  providers: { description: "forget a provider's stored data", flags: [], args: ["none", "none"] },
  run: { description: "run a workspace operation", flags: ["--workflow"], args: ["workspace", "operation"] },
  cache: { description: "inspect and change the cache", flags: ["--all", "--local", "--global", "--yes"], args: ["workflow", "cache-action", "task"] },
  log: { description: "history of what happened", flags: ["--workflow", "--limit"], args: [] },
  projects: { description: "find rig projects below here", flags: [], args: [] },
  doctor: { description: "check runtime, state and providers", flags: [], args: [] },
  gc: { description: "remove orphaned resources", flags: ["--dry-run", "--yes"], args: [] },
  completion: { description: "print a shell completion script", flags: [], args: ["shell"] },
  version: { description: "print versions", flags: [], args: [] },
  help: { description: "show help", flags: [], args: ["command"] },
};

/** Options whose value is the next word, and what completes it (null: let the shell complete files). */
const VALUE_FLAGS: Record<string, "workflow" | "template" | "workspace" | "expiry" | null> = {
  "--workflow": "workflow",
  "--from": "workspace",
  "--on-expiry": "expiry",
  "--ttl": null,
  "--template": "template",
  "--chdir": null,
  "--config": null,
  "--state": null,
  "--limit": null,
  "--lock-timeout": null,
  "--concurrency": null,
  "-n": null,
};

const TEMPLATES = ["local", "docker", "ssh"];
const CACHE_ACTIONS = ["ls", "explain", "invalidate", "clear"];

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
    if (previous in VALUE_FLAGS) {
      const kind = VALUE_FLAGS[previous];
      if (kind === "workspace") return [...new Set(known.workspaces.map((w) => w.name))];
      return kind === "workflow" ? workflowNames : kind === "template" ? TEMPLATES : kind === "expiry" ? ["stop", "remove"] : [];
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
      if (word in VALUE_FLAGS) i++;
      continue;
    }
    positionals.push(word);
  }
  // `rig cache <action> …`: the workflow may be left out when there is only one.
  const onlyWorkflow = workflows.length === 1 ? (workflows[0]?.name as string) : undefined;
  if (command === "cache" && onlyWorkflow && CACHE_ACTIONS.includes(positionals[0] ?? "")) positionals.unshift(onlyWorkflow);
  const at = positionals.length;
  const kind = spec.args[Math.min(at, spec.args.length - 1)];
  if (kind === undefined || (at >= spec.args.length && !spec.repeat)) return [];
  switch (kind) {
    case "workspace": {
      const names = [...new Set(known.workspaces.map((w) => w.name))];
      return names.filter((n) => !positionals.includes(n));
    }
    case "operation":
      return operationsOf(known, positionals[0] ?? "").map((o) => line(o.id, operationSummary(o)));
    case "workflow":
      return command === "cache" && onlyWorkflow ? [...workflowNames, ...CACHE_ACTIONS] : workflowNames;
    case "cache-action":
      return CACHE_ACTIONS;
    case "task":
      return ["explain", "invalidate"].includes(positionals[1] ?? "") ? (workflows.find((w) => w.name === positionals[0])?.tasks ?? []) : [];
    case "shell":
      return ["bash", "zsh", "fish"];
    case "command":
      return Object.keys(COMMAND_SPECS);
    case "ls-what":
      return ["workspaces", "config"];
    case "none":
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
