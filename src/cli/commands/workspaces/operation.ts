import { isCommandResult } from "../../../host/command-result.ts";
/**
 * `rig <ws>/<op> [flags]` and `rig <op> [flags]`: project-defined operations. The
 * operation's zod input becomes commander options, so flags, help and errors behave
 * like those of built-in commands. Plain flags (`--name value`, `--name=value`, known
 * names, valid values) are read without commander, which costs ~15 ms to load; anything
 * else (help, an unknown flag, a bad value) goes through commander for its messages.
 */
import type { Command } from "commander";
import { GLOBAL_VALUE_FLAGS as GLOBAL_VALUE_OPTIONS, RESERVED_INPUT_FLAGS } from "../../../commands/index.ts";
import { completeInput, findTarget, runTarget } from "../../../engine/api/operation.ts";
import type { CompiledWorkflow, OperationNode } from "../../../engine/graph/compile.ts";
import { type InputField, inputFields } from "../../../engine/operations/inputs.ts";
import { type Project, openProject } from "../../../engine/project/project.ts";
import { checkWorkspaceName } from "../../../engine/workspaces/names.ts";
import { resultExitCode } from "../../../engine/operations/run.ts";
import { RigError, isRigError } from "../../../errors.ts";
import { terminalPrompter } from "../../../host/prompter.ts";
import { terminal } from "../../../host/terminal.ts";
import type { WorkspaceRow } from "../../../state/store.ts";
import { didYouMean } from "../../../suggest.ts";
import { BUILTIN_COMMANDS, operationSummary, parseOperationToken } from "../../argv.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { emit, err, table } from "../../ui.ts";

/** Input flags that would shadow rig's own: the global options, --help, --version, --workflow (src/commands/). */
const RESERVED_FLAGS = new Set(RESERVED_INPUT_FLAGS);

/** A number flag's value, or undefined when it is not one. */
function toNumber(value: string): number | undefined {
  const n = Number(value);
  return value.trim() === "" || !Number.isFinite(n) ? undefined : n;
}

function json(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const GLOBAL_VALUE_FLAGS = new Set([...GLOBAL_VALUE_OPTIONS, "--workflow"]);

/**
 * The commander-free reading of plain flags: input values by key (defaults applied, as
 * commander would), or null for anything commander should judge.
 */
export function plainFlags(args: readonly string[], fields: readonly InputField[]): Record<string, unknown> | null {
  const byFlag = new Map(fields.map((f) => [`--${f.flag}`, f]));
  const values: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("--") || arg === "--") return null;
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (seen.has(name.replace(/^--no-/, "--"))) return null;
    seen.add(name.replace(/^--no-/, "--"));
    if (name === "--json" && eq < 0) continue;
    const negated = name.startsWith("--no-") ? byFlag.get(`--${name.slice(5)}`) : undefined;
    const field = byFlag.get(name) ?? (negated?.kind === "boolean" ? negated : undefined);
    if (field?.kind === "boolean") {
      if (eq > 0) return null;
      values[field.key] = !negated;
      continue;
    }
    if (!field && !GLOBAL_VALUE_FLAGS.has(name)) return null;
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith("-"))) return null;
    if (!field) continue; // a global, already read by readGlobals
    if (field.kind === "enum" && !field.choices?.includes(value)) return null;
    const parsed = field.kind === "number" ? toNumber(value) : field.kind === "json" ? json(value) : value;
    if (parsed === undefined) return null;
    values[field.key] = parsed;
  }
  for (const field of fields) if (!(field.key in values) && field.default !== undefined) values[field.key] = field.default;
  return values;
}

async function buildCommand(token: string, op: OperationNode, fields: InputField[]): Promise<Command> {
  const { InvalidArgumentError, Option, Command } = await import("commander");
  const { strict, withGlobals } = await import("../../program.ts");
  const number = (value: string): number => {
    const n = toNumber(value);
    if (n === undefined) throw new InvalidArgumentError("expected a number.");
    return n;
  };
  const command = strict(new Command(`rig ${token}`))
    .description(operationSummary(op))
    .helpOption("-h, --help", "show help")
    .addOption(new Option("--workflow <name>", "the workflow (when several have this workspace or operation)"));
  for (const field of fields) {
    const description = [field.description, field.required ? "(required)" : undefined].filter(Boolean).join(" ");
    if (field.kind === "boolean") {
      command.addOption(new Option(`--${field.flag}`, description));
      command.addOption(new Option(`--no-${field.flag}`, `turn off --${field.flag}`));
      continue;
    }
    const option = new Option(`--${field.flag} <${field.kind === "enum" ? "choice" : field.kind === "json" ? "json" : "value"}>`, description);
    if (field.kind === "enum" && field.choices) option.choices(field.choices);
    if (field.kind === "number") option.argParser(number);
    if (field.kind === "json") option.argParser(json);
    if (field.default !== undefined) option.default(field.default);
    command.addOption(option);
  }
  return withGlobals(command).action(() => {});
}

function checkReserved(op: OperationNode, fields: InputField[]): void {
  for (const field of fields) {
    if (RESERVED_FLAGS.has(field.flag)) {
      throw new RigError("CONFIG_ERROR", `Operation ${op.id}: input "${field.key}" would shadow the global --${field.flag} flag`, {
        detail: ["Rename the input."],
      });
    }
  }
}

/** commander's parsed options, by input key. */
function commanderValues(fields: InputField[], command: Command): Record<string, unknown> {
  const values = command.opts();
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const option = command.options.find((o) => o.long === `--${field.flag}`);
    if (option) out[field.key] = values[option.attributeName()];
  }
  return out;
}

async function loadProject(cli: Cli, token: string, isWorkspaceOp: boolean): Promise<Project> {
  try {
    return await openProject(projectOptions(cli.globals));
  } catch (error) {
    // Without a config, `rig foo` is most likely a mistyped command.
    if (!isWorkspaceOp && isRigError(error) && error.code === "CONFIG_NOT_FOUND") throw unknownCommand(token, []);
    throw error;
  }
}

function unknownCommand(token: string, workflows: CompiledWorkflow[], workspaces: string[] = []): RigError {
  const ops = workflows.flatMap((w) => [...w.operations.keys()]);
  return new RigError("UNKNOWN_COMMAND", `Unknown command "${token}"`, {
    detail: [
      ...didYouMean(token, [...BUILTIN_COMMANDS, ...ops, ...workspaces]),
      `Commands: ${BUILTIN_COMMANDS.join(", ")}`,
      ...(ops.length ? [`Operations of this project: ${[...new Set(ops)].join(", ")}`] : []),
      "Workspace operations are run as rig <workspace>/<operation>.",
    ],
  });
}

/**
 * An operation's input from its flags (asking for missing required ones on a TTY), not yet
 * validated; null when the flags asked for help, which was printed.
 */
export async function readFlags(token: string, op: OperationNode, args: string[]): Promise<Record<string, unknown> | null> {
  const fields = inputFields(op.input);
  checkReserved(op, fields);
  let values = plainFlags(args, fields);
  if (!values) {
    const command = await buildCommand(token, op, fields);
    const { parseWith } = await import("../../program.ts");
    if (!(await parseWith(command, args, `Run \`rig ${token} --help\` for its flags.`))) return null;
    values = commanderValues(fields, command);
  }
  return completeInput(fields, values, token, terminalPrompter());
}

/** `rig <ws>`: what can be run on that workspace. */
function listOperations(project: Project, rows: WorkspaceRow[]): number {
  const entries = rows.flatMap((row) => {
    const workflow = project.workflows.find((w) => w.name === row.workflow);
    const ops = workflow ? [...workflow.workspaceOperations.values()].map((op) => ({ id: op.id, title: op.title ?? null, description: op.description ?? null })) : [];
    return [{ workspace: row.name, workflow: row.workflow, operations: [...ops, { id: "remove", title: null, description: "remove this workspace" }] }];
  });
  emit(entries.length === 1 ? entries[0] : { workspaces: entries }, () =>
    entries
      .map((e) =>
        [
          `Operations of ${e.workspace} (workflow ${e.workflow}):`,
          table(e.operations.map((o) => [`rig ${e.workspace}/${o.id}`, operationSummary(o)])),
          `Built in: rig shell ${e.workspace}, rig exec ${e.workspace} -- <command>, rig code ${e.workspace}, rig forward ${e.workspace} <port>`,
        ].join("\n"),
      )
      .join("\n\n"),
  );
  return 0;
}

export async function runOperationCommand(cli: Cli, argv: string[], index: number): Promise<number> {
  const token = argv[index] as string;
  const target = parseOperationToken(token);
  if ("error" in target) throw new RigError("USAGE", target.error);
  if (target.workspace !== undefined) checkWorkspaceName(target.workspace);
  const rest = argv.filter((_, i) => i !== index);
  const project = await loadProject(cli, token, target.workspace !== undefined);

  const call = engineCall(cli);
  const found = await findTarget(project, { workspace: target.workspace, operation: target.operation, workflow: cli.globals.workflow }, call.prompter ?? null);
  if (!found) {
    const rows = project.store.workspacesNamed(target.operation);
    if (rows.length > 0 && target.operation === token) return listOperations(project, rows);
    throw unknownCommand(token, project.workflows, [...new Set(project.store.workspaces().map((w) => w.name))]);
  }
  const { op } = found;

  const values = await readFlags(token, op, rest);
  if (values === null) return 0; // help was printed
  // What the operation prints is rendered as it comes, and kept so its result is not printed twice.
  const streamed: string[] = [];
  const render = call.events;
  call.events = (event) => {
    if (event.type === "operation.output") streamed.push(event.line);
    render?.(event);
  };
  const result = await runTarget(project, found, values, call);
  emit(result, () => resultText(result, streamed.join("\n")));
  // A command's result: rig exits with its code (README, "Exit codes of actions").
  const exitCode = resultExitCode(result);
  if (exitCode !== 0 && !terminal.json) err.line(err.colors.dim(`${token}: ${commandOf(result)}exited with code ${exitCode}`));
  return exitCode;
}

const commandOf = (result: unknown): string => {
  const command = (result as { command?: unknown }).command;
  return typeof command === "string" && command !== "" ? `\`${command}\` ` : "";
};

/**
 * The text form of an operation's result. What the operation already streamed (a command's
 * output that it also returns) is not printed a second time.
 */
export function resultText(result: unknown, streamed: string): string | null {
  const shown = (value: unknown) => typeof value === "string" && value.trim() !== "" && streamed.includes(value.trim());
  if (result === null || shown(result)) return null;
  if (typeof result === "string") return result;
  // A command's result: its output is the text (its code becomes rig's exit code).
  if (isCommandResult(result)) return typeof result.stdout === "string" && !shown(result.stdout) ? result.stdout : null;
  if (typeof result !== "object" || Array.isArray(result)) return JSON.stringify(result, null, 2);
  const rest = Object.entries(result).filter(([, value]) => !shown(value) && value !== "");
  if (rest.length === 0) return null;
  return JSON.stringify(Object.fromEntries(rest), null, 2);
}
