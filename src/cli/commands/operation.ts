/**
 * `rig <ws>/<op> [flags]` and `rig <op> [flags]`: project-defined operations. The
 * operation's zod input becomes commander options, so flags, help and errors behave
 * like those of built-in commands.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { CompiledWorkflow, OperationNode } from "../../engine/compile.ts";
import { type InputField, inputFields, validateInput } from "../../engine/inputs.ts";
import { checkWorkspaceName } from "../../engine/names.ts";
import { findOperation, runOperation } from "../../engine/operations.ts";
import { type Project, openProject, selectWorkflow } from "../../engine/project.ts";
import { resolveWorkspace } from "../../engine/workspaces.ts";
import { RigError, isRigError } from "../../errors.ts";
import { prompt } from "../../host/local.ts";
import { terminal } from "../../host/terminal.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { BUILTIN_COMMANDS, parseOperationToken } from "../argv.ts";
import { type Cli, projectOptions } from "../context.ts";
import { parseWith, strict, withGlobals } from "../program.ts";
import { hookOutput } from "../progress.ts";
import { emit } from "../ui.ts";

const RESERVED_FLAGS = new Set(["chdir", "config", "state", "json", "workflow", "help", "version"]);

function number(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("expected a number.");
  return n;
}

function json(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function buildCommand(token: string, op: OperationNode, fields: InputField[]): Command {
  const command = strict(new Command(`rig ${token}`))
    .description(op.description ?? "")
    .helpOption("-h, --help", "show help")
    .addOption(new Option("--workflow <name>", "the workflow (when several have this workspace or operation)"));
  for (const field of fields) {
    if (RESERVED_FLAGS.has(field.flag)) {
      throw new RigError("CONFIG_ERROR", `Operation ${op.id}: input "${field.key}" would shadow the global --${field.flag} flag`, {
        detail: ["Rename the input."],
      });
    }
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

/** Flag values → input object; asks for missing required inputs on a TTY. */
async function collectInput(fields: InputField[], values: Record<string, unknown>, command: Command, label: string): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = {};
  for (const field of fields) {
    const option = command.options.find((o) => o.long === `--${field.flag}`);
    const value = option ? values[option.attributeName()] : undefined;
    if (value !== undefined) {
      input[field.key] = value;
      continue;
    }
    if (!field.required) continue;
    if (!terminal.canPrompt()) {
      throw new RigError("INVALID_INPUT", `Missing required input --${field.flag} for ${label}`, {
        detail: [`Pass --${field.flag} <value>; see \`rig ${label} --help\`.`],
      });
    }
    const question = field.description ? `--${field.flag}: ${field.description}` : `--${field.flag}`;
    if (field.kind === "boolean") input[field.key] = await prompt.confirm(question);
    else if (field.kind === "enum") input[field.key] = await prompt.select(question, field.choices ?? []);
    else {
      const text = await prompt.text(question, {
        validate: (value) =>
          value.trim() === "" ? "A value is required" : field.kind === "number" && !Number.isFinite(Number(value)) ? "Enter a number" : undefined,
      });
      input[field.key] = field.kind === "number" ? Number(text) : field.kind === "json" ? json(text) : text;
    }
  }
  return input;
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

function unknownCommand(token: string, workflows: CompiledWorkflow[]): RigError {
  const ops = workflows.flatMap((w) => [...w.operations.keys()]);
  return new RigError("UNKNOWN_COMMAND", `Unknown command "${token}"`, {
    detail: [
      `Commands: ${BUILTIN_COMMANDS.join(", ")}`,
      ...(ops.length ? [`Operations of this project: ${[...new Set(ops)].join(", ")}`] : []),
      "Workspace operations are run as rig <workspace>/<operation>.",
    ],
  });
}

export async function runOperationCommand(cli: Cli, argv: string[], index: number): Promise<number> {
  const token = argv[index] as string;
  const target = parseOperationToken(token);
  if ("error" in target) throw new RigError("USAGE", target.error);
  if (target.workspace !== undefined) checkWorkspaceName(target.workspace);
  const rest = argv.filter((_, i) => i !== index);
  const project = await loadProject(cli, token, target.workspace !== undefined);

  let workflow: CompiledWorkflow;
  let workspace: WorkspaceRow | null = null;
  let op: OperationNode;
  if (target.workspace !== undefined) {
    workspace = await resolveWorkspace(project, target.workspace, cli.globals.workflow);
    const owner = project.workflows.find((w) => w.name === (workspace as WorkspaceRow).workflow);
    if (!owner) {
      throw new RigError("CONFIG_ERROR", `Workspace ${workspace.name} belongs to workflow "${workspace.workflow}", which the config no longer defines`);
    }
    workflow = owner;
    op = findOperation(workflow, target.operation, "workspace");
  } else {
    const candidates = project.workflows.filter(
      (w) => w.operations.has(target.operation) && (cli.globals.workflow === undefined || w.name === cli.globals.workflow),
    );
    if (candidates.length === 0) throw unknownCommand(token, project.workflows);
    workflow = await selectWorkflow({ workflows: candidates }, undefined, `run ${target.operation} in`);
    op = findOperation(workflow, target.operation, "workflow");
  }

  const fields = inputFields(op.input);
  const command = buildCommand(token, op, fields);
  if (!(await parseWith(command, rest, `Run \`rig ${token} --help\` for its flags.`))) return 0;
  const input = validateInput(op.input, await collectInput(fields, command.opts(), command, token), token);
  const result = await runOperation(project, workflow, op, input, workspace, {
    signal: cli.signal,
    output: (line) => hookOutput(token, line),
  });
  emit(result, () => (result === null ? null : typeof result === "string" ? result : JSON.stringify(result, null, 2)));
  return 0;
}
