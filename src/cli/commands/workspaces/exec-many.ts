/**
 * `rig exec --all -- <cmd…>` and `rig exec -w a,b -- <cmd…>` (README, "Many at once"):
 * the engine's `execMany` (src/engine/api/many.ts), each output line rendered under its
 * workspace's prefix, one exit code: the worst. With --json, one document:
 * `{"results":[{"workspace","workflow","exitCode","stdout","stderr","error"}]}`.
 * The rendering is shared with `rig run --all` (run-many.ts).
 */
import { type ManyResult, execMany as execOnMany, worstExitCode } from "../../../engine/api/many.ts";
import type { EventSink } from "../../../engine/events.ts";
import { RigError } from "../../../errors.ts";
import type { Globals } from "../../argv.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { type Named, type Prefixed, prefixed } from "../../prefixed.ts";
import { cliEvents } from "../../progress.ts";
import { emit, err } from "../../ui.ts";
import type { ManyArgs } from "./exec.ts";
import { resultText } from "./operation.ts";

/** The usage rules shared by `exec` and `run` over many workspaces. */
export function checkMany(what: string, many: ManyArgs, workspace: string | undefined): void {
  if (many.all && many.names.length > 0) throw new RigError("USAGE", `${what}: --all and -w cannot be combined`, { detail: ["Pass one of them."] });
  if (workspace !== undefined && (many.all || many.names.length > 0)) {
    throw new RigError("USAGE", `${what}: name the workspaces either with -w or as an argument, not both`, { detail: [`e.g. -w ${workspace},other`] });
  }
  if (!many.all && many.names.length === 0) throw new RigError("USAGE", `${what}: --concurrency is for several workspaces (--all or -w a,b)`);
}

/**
 * The events of a command over many workspaces, rendered: each line under its workspace's
 * prefix (an operation's live lines on stderr, then its result's text on stdout), each
 * failure under its prefix; everything else as every command renders it.
 */
export function manyEvents(json: boolean): EventSink {
  const rest = cliEvents();
  let say: Prefixed | null = null;
  const streamed = new Map<string, string[]>();
  const key = (workflow: string, name: string) => `${workflow}\0${name}`;
  return (event) => {
    switch (event.type) {
      case "many.started":
        say = prefixed(event.workspaces);
        return;
      case "exec.output":
        return say?.line({ workflow: event.workflow ?? "", name: event.workspace }, event.stream, event.data.replace(/\n$/, ""));
      case "operation.output": {
        if (!say || event.workspace === null) return rest(event);
        const k = key(event.workflow, event.workspace);
        if (!streamed.has(k)) streamed.set(k, []);
        streamed.get(k)?.push(event.line);
        return say.line({ workflow: event.workflow, name: event.workspace }, "stderr", event.line);
      }
      case "operation.finished": {
        if (!say || event.workspace === null || !("result" in event) || json) return;
        const text = resultText(event.result, (streamed.get(key(event.workflow, event.workspace)) ?? []).join("\n"));
        if (text) for (const line of text.split("\n")) say.line({ workflow: event.workflow, name: event.workspace }, "stdout", line);
        return;
      }
      case "many.failed": {
        const row = { workflow: event.workflow, name: event.workspace };
        say?.line(row, "stderr", `${err.colors.red("error")} ${event.message}`);
        for (const line of event.detail) say?.line(row, "stderr", `  ${err.colors.dim(line)}`);
        return;
      }
      default:
        return rest(event);
    }
  };
}

/** After the work: the --json document, which workspaces failed (in one line, only when some did), the worst exit code. */
export function finishMany(json: boolean, result: ManyResult<object>): number {
  emit(result, () => null);
  const failed = result.results.filter((r) => r.exitCode !== 0);
  if (!json && failed.length > 0 && result.results.length > 1) {
    const say = prefixed(result.results.map((r): Named => ({ workflow: r.workflow, name: r.workspace })));
    const each = failed.map((r) => `${say.label({ workflow: r.workflow, name: r.workspace })} (${r.error?.code === "WORKSPACE_NOT_READY" ? "not ready" : `exit ${r.exitCode}`})`);
    err.line(`${failed.length} of ${result.results.length} workspaces failed: ${each.join(", ")}`);
  }
  return worstExitCode(result.results.map((r) => r.exitCode), false);
}

export async function execMany(cli: Cli, globals: Globals, workspace: string | undefined, many: ManyArgs, argv: string[]): Promise<number> {
  checkMany("rig exec", many, workspace);
  if (argv.length === 0) throw new RigError("USAGE", "rig exec: name the command to run: rig exec --all -- <command…>");
  const input = { all: many.all, workspaces: many.names, workflow: globals.workflow, concurrency: many.concurrency, command: argv };
  const result = await execOnMany(projectOptions(globals), input, { ...engineCall(cli), events: manyEvents(globals.json) });
  return finishMany(globals.json, result);
}
