/**
 * `rig exec --all -- <cmd…>` and `rig exec -w a,b -- <cmd…>` (README, "Many at once"):
 * the command on several workspaces concurrently (at most --concurrency), each output
 * line prefixed with its workspace, one exit code: the worst. With --json, one document:
 * `{"results":[{"workspace","workflow","exitCode","stdout","stderr","error"}]}`.
 */
import { accessFor } from "../../../engine/workspaces/access.ts";
import { type Outcome, onEachReady, selectWorkspaces, worstExitCode } from "../../../engine/workspaces/many.ts";
import { RigError } from "../../../errors.ts";
import type { WorkspaceExecResult } from "../../../sdk/provider.ts";
import type { WorkspaceRow } from "../../../state/store.ts";
import type { Globals } from "../../argv.ts";
import { parseConcurrency as concurrency } from "../../../engine/options.ts";
import { type Cli, projectOptions } from "../../context.ts";
import { type Prefixed, prefixed } from "../../prefixed.ts";
import { emit, err } from "../../ui.ts";
import type { ManyArgs } from "./exec.ts";

/** The usage rules shared by `exec` and `run` over many workspaces. */
export function checkMany(what: string, many: ManyArgs, workspace: string | undefined): void {
  if (many.all && many.names.length > 0) throw new RigError("USAGE", `${what}: --all and -w cannot be combined`, { detail: ["Pass one of them."] });
  if (workspace !== undefined && (many.all || many.names.length > 0)) {
    throw new RigError("USAGE", `${what}: name the workspaces either with -w or as an argument, not both`, { detail: [`e.g. -w ${workspace},other`] });
  }
  if (!many.all && many.names.length === 0) throw new RigError("USAGE", `${what}: --concurrency is for several workspaces (--all or -w a,b)`);
}

/** A workspace's failure (not ready, no exec, interrupted), under its prefix. */
export function reportFailure(say: Prefixed, row: WorkspaceRow, error: RigError): void {
  say.line(row, "stderr", `${err.colors.red("error")} ${error.message}`);
  for (const line of error.detail) say.line(row, "stderr", `  ${err.colors.dim(line)}`);
}

/** After the text output: which workspaces failed, in one line (only when some did). */
export function summarise<T>(say: Prefixed, outcomes: Outcome<T>[]): void {
  const failed = outcomes.filter((o) => o.exitCode !== 0);
  if (failed.length === 0 || outcomes.length < 2) return;
  const each = failed.map((o) => `${say.label(o.row)} (${o.error?.code === "WORKSPACE_NOT_READY" ? "not ready" : `exit ${o.exitCode}`})`);
  err.line(`${failed.length} of ${outcomes.length} workspaces failed: ${each.join(", ")}`);
}

/**
 * The end of a command over many workspaces: failures under their prefix, the --json
 * document (`result` adds each workspace's own keys after `exitCode`), the summary line,
 * and the exit code: the worst.
 */
export function finishMany<T>(run: { signal: AbortSignal; json: boolean }, say: Prefixed, outcomes: Outcome<T>[], result: (o: Outcome<T>) => Record<string, unknown>): number {
  for (const o of outcomes) if (o.error && o.error.code !== "WORKSPACE_NOT_READY") reportFailure(say, o.row, o.error);
  if (run.signal.aborted) throw new RigError("INTERRUPTED", "Interrupted");
  const results = outcomes.map((o) => ({
    workspace: o.row.name,
    workflow: o.row.workflow,
    exitCode: o.exitCode,
    ...result(o),
    error: o.error ? { code: o.error.code, message: o.error.message } : null,
  }));
  emit({ results }, () => null);
  if (!run.json) summarise(say, outcomes);
  return worstExitCode(outcomes.map((o) => o.exitCode), false);
}

export async function execMany(cli: Cli, globals: Globals, workspace: string | undefined, many: ManyArgs, argv: string[]): Promise<number> {
  checkMany("rig exec", many, workspace);
  if (argv.length === 0) throw new RigError("USAGE", "rig exec: name the command to run: rig exec --all -- <command…>");
  const limit = concurrency(many.concurrency);
  const { openProject } = await import("../../../engine/project/project.ts");
  const project = await openProject(projectOptions(globals));
  const rows = await selectWorkspaces(project, { all: many.all, names: many.names, workflow: globals.workflow });
  const say = prefixed(rows);
  const outcomes = await onEachReady<WorkspaceExecResult>(
    project,
    rows,
    { concurrency: limit, signal: cli.signal, onNotReady: (row, error) => reportFailure(say, row, error) },
    async (row) => {
      const { controller, handle } = await accessFor(project, row, "exec", "run commands (exec)");
      let streamed = false;
      const output = (stream: "stdout" | "stderr", line: string) => {
        streamed = true;
        say.line(row, stream, line);
      };
      const result = await (controller.exec as NonNullable<typeof controller.exec>)(handle, argv, { capture: true, signal: cli.signal, output });
      // A provider that does not stream lines: its captured output, prefixed, once it ends.
      if (!streamed) {
        for (const [stream, text] of [["stdout", result.stdout], ["stderr", result.stderr]] as const) {
          if (text) for (const line of text.replace(/\n$/, "").split("\n")) say.line(row, stream, line);
        }
      }
      return { exitCode: result.exitCode, value: result };
    },
  );
  return finishMany({ signal: cli.signal, json: globals.json }, say, outcomes, (o) => ({ stdout: o.value?.stdout ?? "", stderr: o.value?.stderr ?? "" }));
}
