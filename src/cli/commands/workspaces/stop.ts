import { start, stop } from "../../../engine/api/running.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { emit, out } from "../../ui.ts";

/** `rig stop <ws…>` and `rig start <ws…>`: see src/engine/api/running.ts. */
export async function stopOrStart(cli: Cli, which: "stop" | "start", names: string[], opts: { workflow?: string; force?: boolean }): Promise<void> {
  const input = { names, workflow: opts.workflow, force: opts.force };
  const result = which === "stop" ? await stop(projectOptions(cli.globals), input, engineCall(cli)) : await start(projectOptions(cli.globals), input, engineCall(cli));
  const done = "stopped" in result ? result.stopped : result.started;
  const verb = which === "stop" ? "Stopped" : "Started";
  emit(result, () => done.map((name) => `${out.colors.green("✓")} ${verb} ${name}`).join("\n"));
}

export default (cli: Cli, names: string[], opts: { workflow?: string; force?: boolean }) => stopOrStart(cli, "stop", names, opts);
