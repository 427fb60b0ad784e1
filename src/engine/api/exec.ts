/**
 * `exec` through the API: a command in a workspace, its output captured and returned (and
 * sent as `exec.output` events), its exit code the result's, not a failure. Takes the quick
 * path (src/engine/workspaces/quickexec.ts) when the state file alone says how to reach the workspace.
 * With `capture: false` (the CLI's `rig exec` without --json) the command uses this
 * process's stdin, stdout and stderr instead, and the result's output is empty.
 */
import { RigError } from "../../errors.ts";
import { quickExec } from "../workspaces/quickexec.ts";
import { type CallOptions, type ProjectRef, callParts, optionsOf, projectOf } from "./call.ts";

export interface ExecInput {
  workspace: string;
  /** The command and its arguments (argv, no shell). */
  command: string[];
  workflow?: string;
  /** Capture the output into the result (default), or hand the command this process's stdio. */
  capture?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function exec(ref: ProjectRef, input: ExecInput, call: CallOptions = {}): Promise<ExecResult> {
  if (input.command.length === 0) throw new RigError("USAGE", `Name the command to run in ${input.workspace}`);
  const { signal, emit, prompter } = callParts(call);
  // The quick path tells output as it comes (exec.output events while the command runs);
  // what was not told that way (the provider's own exec) is sent once it ended.
  const told = { stdout: false, stderr: false };
  const onOutput = (stream: "stdout" | "stderr", data: string) => {
    told[stream] = true;
    emit({ type: "exec.output", workspace: input.workspace, stream, data });
  };
  const options = { capture: input.capture ?? true, signal, onOutput };
  const quick = await quickExec(optionsOf(ref), input.workspace, input.workflow, input.command, options);
  let result: { exitCode: number; stdout?: string; stderr?: string };
  if (quick) {
    result = quick;
    // A failure may mean the workspace is not ready after all: ask its providers.
    if (quick.exitCode !== 0) {
      const { requireReady } = await import("../workspaces/status.ts");
      const project = await projectOf(ref).catch(() => null);
      if (project) await requireReady(project, quick.row);
    }
  } else {
    const [{ execIn }, { resolveWorkspace }] = await Promise.all([import("../workspaces/access.ts"), import("../workspaces/lifecycle.ts")]);
    const project = await projectOf(ref);
    const row = await resolveWorkspace(project, input.workspace, input.workflow, prompter);
    result = await execIn(project, row, input.command, options);
  }
  const done = { exitCode: result.exitCode, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
  if (done.stdout && !told.stdout) emit({ type: "exec.output", workspace: input.workspace, stream: "stdout", data: done.stdout });
  if (done.stderr && !told.stderr) emit({ type: "exec.output", workspace: input.workspace, stream: "stderr", data: done.stderr });
  emit({ type: "exec.exit", workspace: input.workspace, exitCode: done.exitCode });
  return done;
}
