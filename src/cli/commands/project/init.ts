import { relative } from "node:path";
import { type TemplateName, initProject } from "../../../engine/init/scaffold.ts";
import { type Cli, projectOptions } from "../../context.ts";
import { emit, out } from "../../ui.ts";

/** `rig init`: the engine writes the files; this prints what it found and wrote. */
export default async function initCommand(cli: Cli, opts: { template?: TemplateName; force?: boolean }): Promise<void> {
  const { cwd } = projectOptions(cli.globals);
  const result = initProject(cwd, { template: opts.template, force: opts.force });
  const shown = (path: string) => relative(process.cwd(), path) || path;
  emit(result, () =>
    [
      ...result.notes.map((note) => `${out.colors.dim("•")} ${note}`),
      `${out.colors.green("✓")} Wrote ${shown(result.config)} (template ${result.template}) and ${shown(result.tsconfig)}${result.gitignore ? ", added .rigkit/ to .gitignore" : ""}`,
      ...result.warnings.map((w) => `${out.colors.yellow("!")} ${w}`),
      "",
      "Next:",
      "  rig plan         see what would run",
      "  rig apply        prepare the environment",
      "  rig create ws1   fork a workspace from it",
      ...(result.template === "local" || result.template === "docker" ? ["  rig ws1/test     run the project's tests in it"] : []),
    ].join("\n"),
  );
}
