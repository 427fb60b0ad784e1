/**
 * `rig code <ws> [--print]`: VS Code on the workspace — a local folder, a Remote-SSH host
 * and directory, or a container through Dev Containers' attached-container URI. With
 * `--print`, `--json`, or when `code` is not on PATH, it prints the command and the URI.
 */
import { editorTarget } from "../../../engine/api/attach.ts";
import { RigError } from "../../../errors.ts";
import { attach } from "../../../host/attach.ts";
import { shq } from "../../../host/stoppable.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { emit, out } from "../../ui.ts";

export default async function codeCommand(cli: Cli, name: string, opts: { print?: boolean; workflow?: string }): Promise<void> {
  const { workspace, args, uri } = await editorTarget(projectOptions(cli.globals), { workspace: name, workflow: opts.workflow }, engineCall(cli));
  const command = ["code", ...args];
  const installed = Bun.which("code") !== null;
  const open = !opts.print && !cli.globals.json && installed;
  if (open) {
    const { exitCode } = await attach(command);
    if (exitCode !== 0) throw new RigError("EXEC_FAILED", `code exited with ${exitCode}: ${command.map(shq).join(" ")}`);
  }
  emit({ workspace, command, uri, opened: open }, () => {
    if (open) return `${out.colors.green("✓")} Opened ${workspace} in VS Code`;
    const why = opts.print ? "" : `${out.colors.dim("(`code` is not on PATH: install VS Code's shell command, or open the URI)")}\n`;
    return `${why}${command.map(shq).join(" ")}\n${uri}`;
  });
}
