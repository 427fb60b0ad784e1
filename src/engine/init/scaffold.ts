/**
 * `rig init` (README "rig init"): writes `rigkit/index.ts` from a template filled with what
 * detect.ts found, `rigkit/tsconfig.json` for editors and `tsc -p rigkit`, and `.rigkit/`
 * into `.gitignore`. Nothing else in the project is touched: a root `tsconfig.json` or
 * `package.json` is read by the project's own tools (tsc, tsd, eslint, jest), and a file
 * rig adds there changes what they do.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RigError } from "../../errors.ts";
import { RIGKIT_ROOT, ensureSdkLink } from "../project/sdklink.ts";
import { type Detected, detectProject } from "./detect.ts";
import { parseJsonc } from "./jsonc.ts";

export const TEMPLATES = ["local", "docker", "ssh", "lxd"] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export interface InitResult {
  /** The config written (absolute). */
  config: string;
  /** Its tsconfig (absolute). */
  tsconfig: string;
  template: TemplateName;
  /** Whether `.rigkit/` was added to `.gitignore`. */
  gitignore: boolean;
  /** Files written or changed, relative to the project. */
  written: string[];
  detected: Omit<Detected, "notes">;
  /** What was found, one line each; and warnings (a root tsconfig.json that would see rigkit/). */
  notes: string[];
  warnings: string[];
}

const templatesDir = join(RIGKIT_ROOT, "templates");

/** The template's file: `<name>/index.ts` (or, as older templates are laid out, `<name>/rigkit.config.ts`). */
function templateFile(name: TemplateName): string {
  const file = ["index.ts", "rigkit.config.ts"].map((f) => join(templatesDir, name, f)).find((f) => existsSync(f));
  if (!file) throw new RigError("USAGE", `The ${name} template is not available in this rigkit`, { detail: [`Templates: ${TEMPLATES.filter((t) => t !== name).join(", ")}.`] });
  return file;
}

/** Adds `.rigkit/` to .gitignore unless a line already ignores it (null: it is a symlink, left alone). */
function ignoreStateDir(root: string): boolean | null {
  const file = join(root, ".gitignore");
  if (lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) return null;
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (current.split(/\r?\n/).some((line) => [".rigkit", ".rigkit/", "/.rigkit", "/.rigkit/"].includes(line.trim()))) return false;
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  writeFileSync(file, `${current}${separator}.rigkit/\n`);
  return true;
}

/** Default base images per kind, for the docker template (never pulled by rig: `docker pull` them once). */
const IMAGES = { node: "node:22-bookworm-slim", python: "python:3.12-slim", plain: "debian:bookworm-slim" } as const;

/** The `const project = {…};` block of a template: what this project needs. */
function projectBlock(template: TemplateName, found: Detected): Record<string, unknown> {
  const common = { depsFiles: found.depsFiles, install: found.install, develop: found.develop, test: found.test ?? "echo 'no test command: set project.test in rigkit/index.ts' >&2; exit 1" };
  if (template !== "docker") return common;
  const dc = found.devcontainer;
  return {
    image: dc?.image ?? IMAGES[found.kind],
    dockerfile: dc?.dockerfile ?? null,
    workdir: dc?.workspaceFolder ?? "/work",
    ...common,
    setup: dc?.setup ?? [],
    env: dc?.containerEnv ?? {},
    ports: dc?.forwardPorts ?? [],
  };
}

/** JSON as a TypeScript object literal (identifier keys unquoted). */
const literal = (value: unknown) => JSON.stringify(value, null, 2).replace(/^(\s*)"([A-Za-z_$][\w$]*)":/gm, "$1$2:");

const PROJECT_BLOCK = /^const project = \{[\s\S]*?^\};?$/m;

/**
 * rigkit/tsconfig.json, from templates/rigkit.tsconfig.json: "rigkit" and "@rigkit/sdk"
 * through the link rig keeps at .rigkit/sdk. (Not named tsconfig.json there, so editors in
 * this repository do not take it for the templates' own.)
 */
const TSCONFIG_TEMPLATE = join(templatesDir, "rigkit.tsconfig.json");

/**
 * A root tsconfig.json whose program would take in rigkit/index.ts (no `files`/`include`,
 * or an include that matches it, and no exclude for it): the project's own `tsc` would then
 * type-check rig's config without rig's paths. rig never edits it; it says what to add.
 */
function rootTsconfigWarning(root: string): string | null {
  if (!existsSync(join(root, "tsconfig.json"))) return null;
  let config: { files?: unknown; include?: unknown; exclude?: unknown };
  try {
    config = (parseJsonc(readFileSync(join(root, "tsconfig.json"), "utf8")) ?? {}) as typeof config;
  } catch {
    return null;
  }
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const matches = (patterns: string[]) => patterns.some((p) => new Bun.Glob(p.replace(/^\.\//, "")).match("rigkit/index.ts") || ["rigkit", "rigkit/", "./rigkit"].includes(p));
  const includes = config.include === undefined && config.files === undefined ? true : matches(strings(config.include));
  if (!includes || matches(strings(config.exclude))) return null;
  return 'tsconfig.json takes in rigkit/index.ts: add "rigkit" to its "exclude" so your own tsc leaves rig\'s config to rigkit/tsconfig.json (rig does not edit it)';
}

export function initProject(root: string, options: { template?: TemplateName; force?: boolean }): InitResult {
  const config = join(root, "rigkit", "index.ts");
  const tsconfig = join(root, "rigkit", "tsconfig.json");
  // A root rigkit.config.ts is found first: a new rigkit/index.ts would never be loaded.
  if (existsSync(join(root, "rigkit.config.ts"))) {
    throw new RigError("USAGE", "rigkit.config.ts already exists: this project has a config", {
      detail: ["rig uses it as it is; move it aside first to start from a template in rigkit/index.ts."],
    });
  }
  // Never written through a symlink: it could point anywhere, other projects included.
  for (const path of ["rigkit", "rigkit/index.ts", "rigkit/tsconfig.json"]) {
    const stat = lstatSync(join(root, path), { throwIfNoEntry: false });
    if (stat?.isSymbolicLink() || (path === "rigkit" && stat && !stat.isDirectory())) {
      throw new RigError("USAGE", `${path} is ${stat.isSymbolicLink() ? "a symlink" : "not a directory"}: rig init does not write through it`, {
        detail: ["Move it aside and run `rig init` again."],
      });
    }
  }
  if (existsSync(config) && !options.force) {
    throw new RigError("USAGE", "rigkit/index.ts already exists", { detail: ["Pass --force to overwrite it (and rigkit/tsconfig.json)."] });
  }
  const found = detectProject(root);
  const template: TemplateName = options.template ?? (found.devcontainer ? "docker" : "local");
  const source = readFileSync(templateFile(template), "utf8");
  const text = PROJECT_BLOCK.test(source) ? source.replace(PROJECT_BLOCK, `const project = ${literal(projectBlock(template, found))};`) : source;
  const warnings: string[] = [];
  if (!PROJECT_BLOCK.test(source) && found.install) warnings.push(`the ${template} template installs nothing for you: add \`${found.install}\` to its base task`);
  if (template !== "docker" && found.devcontainer) warnings.push(`${found.devcontainer.file} is used by --template docker only`);
  const rootWarning = rootTsconfigWarning(root);
  if (rootWarning) warnings.push(rootWarning);

  mkdirSync(join(root, "rigkit"), { recursive: true });
  writeFileSync(config, text);
  writeFileSync(tsconfig, readFileSync(TSCONFIG_TEMPLATE, "utf8"));
  const ignored = ignoreStateDir(root);
  if (ignored === null) warnings.push(".gitignore is a symlink: rig left it alone; add .rigkit/ to it yourself");
  const gitignore = ignored === true;
  // Types for editors and tsc: "rigkit" resolves through .rigkit/sdk (never made through a symlinked .rigkit).
  if (lstatSync(join(root, ".rigkit"), { throwIfNoEntry: false })?.isSymbolicLink()) warnings.push(".rigkit is a symlink: rig did not add .rigkit/sdk there");
  else ensureSdkLink(join(root, ".rigkit"));
  const { notes, ...detected } = found;
  return {
    config,
    tsconfig,
    template,
    gitignore,
    written: ["rigkit/index.ts", "rigkit/tsconfig.json", ...(gitignore ? [".gitignore"] : [])],
    detected,
    notes,
    warnings,
  };
}
