import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ensureSdkLink, ensureTsconfig } from "../../engine/project/sdklink.ts";
import { RigError } from "../../errors.ts";
import { type Cli, projectOptions } from "../context.ts";
import { emit, out } from "../ui.ts";

const templatesDir = join(import.meta.dir, "..", "..", "..", "templates");

/** Adds `.rigkit/` to .gitignore unless a line already ignores it. */
function ignoreStateDir(dir: string): boolean {
  const file = join(dir, ".gitignore");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (current.split(/\r?\n/).some((line) => [".rigkit", ".rigkit/", "/.rigkit", "/.rigkit/"].includes(line.trim()))) return false;
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  writeFileSync(file, `${current}${separator}.rigkit/\n`);
  return true;
}

export default async function initCommand(cli: Cli, opts: { template: string; force?: boolean }): Promise<void> {
  const { cwd } = projectOptions(cli.globals);
  const target = join(cwd, "rigkit.config.ts");
  if (existsSync(target) && !opts.force) {
    throw new RigError("USAGE", `${relative(process.cwd(), target) || target} already exists`, { detail: ["Pass --force to overwrite it."] });
  }
  // An upstream-style project keeps its config in rigkit/index.ts: a second config would shadow it.
  const upstream = join(cwd, "rigkit", "index.ts");
  if (existsSync(upstream)) {
    throw new RigError("USAGE", `${relative(process.cwd(), upstream) || upstream} already exists: this project has a config`, {
      detail: ["rig uses it as it is; remove it first to start from a template."],
    });
  }
  const source = join(templatesDir, opts.template, "rigkit.config.ts");
  if (!existsSync(source)) throw new RigError("USAGE", `Unknown template "${opts.template}"`);
  writeFileSync(target, readFileSync(source, "utf8"));
  const ignored = ignoreStateDir(cwd);
  // Types for editors and tsc: "rigkit" resolves through .rigkit/sdk.
  const tsconfig = ensureTsconfig(join(cwd, "tsconfig.json"));
  ensureSdkLink(join(cwd, ".rigkit"));
  const tsNote = { written: ", tsconfig.json", merged: ", the rigkit paths in tsconfig.json", unchanged: "", manual: "" }[tsconfig.action];
  emit({ config: target, template: opts.template, gitignore: ignored, tsconfig: tsconfig.action === "written" || tsconfig.action === "merged" }, () =>
    [
      `${out.colors.green("✓")} Wrote ${relative(process.cwd(), target) || target} (template ${opts.template})${tsNote}${ignored ? " and added .rigkit/ to .gitignore" : ""}`,
      ...(tsconfig.action === "manual"
        ? ["", "tsconfig.json is not plain JSON, so it was left alone; for `tsc` to find rigkit, add:", `  ${tsconfig.lines}`]
        : []),
      "",
      "Next:",
      "  rig plan         see what would run",
      "  rig apply        prepare the environment",
      "  rig create ws1   fork a workspace from it",
    ].join("\n"),
  );
}
