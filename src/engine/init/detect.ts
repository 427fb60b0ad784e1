/**
 * What kind of project `rig init` is in (README "rig init"): which files decide its
 * dependencies, how to install them and how to run its tests, and what a
 * `.devcontainer/devcontainer.json` asks for. Read only: nothing here writes.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, normalize } from "node:path";
import { RigError, messageOf } from "../../errors.ts";
import { parseJsonc } from "./jsonc.ts";

export type ProjectKind = "node" | "python" | "plain";
export type PackageManager = "npm" | "pnpm" | "yarn" | "bun";

export interface Devcontainer {
  /** Where it was found, relative to the project. */
  file: string;
  image: string | null;
  /** `build.dockerfile` and `build.context`, relative to the project. */
  dockerfile: { file: string; context: string } | null;
  /** onCreateCommand, updateContentCommand and postCreateCommand, in that order, as shell commands. */
  setup: string[];
  forwardPorts: (number | string)[];
  containerEnv: Record<string, string>;
  workspaceFolder: string | null;
}

export interface Detected {
  kind: ProjectKind;
  packageManager: PackageManager | null;
  /** Globs of the files that decide the dependencies: the install task's `inputs`. */
  depsFiles: string[];
  /** The shell command that installs them (in a directory holding `depsFiles`); null: nothing to install. */
  install: string | null;
  /**
   * The shell command, run where the sources were laid over the dependencies, that makes
   * the project's own code importable (Python: an editable install, else a .pth); null: none.
   */
  develop: string | null;
  /** The shell command that runs the tests. */
  test: string | null;
  devcontainer: Devcontainer | null;
  /** One line per finding, for `rig init`'s report. */
  notes: string[];
}

const has = (root: string, file: string) => existsSync(join(root, file));

function readJson(root: string, file: string): Record<string, unknown> {
  try {
    const value = parseJsonc(readFileSync(join(root, file), "utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch (error) {
    throw new RigError("USAGE", `Cannot read ${file}: ${messageOf(error)}`, { detail: ["rig init reads it to choose a template; fix it, or pass --template."] });
  }
}

/** A relative path that stays inside the project, or null. */
function insidePath(path: string): string | null {
  const clean = normalize(path).replace(/\/+$/, "");
  return clean === "." || clean === "" || clean.startsWith("..") || clean.startsWith("/") ? null : clean;
}

const LOCKS: [file: string, manager: PackageManager][] = [
  ["package-lock.json", "npm"],
  ["npm-shrinkwrap.json", "npm"],
  ["pnpm-lock.yaml", "pnpm"],
  ["yarn.lock", "yarn"],
  ["bun.lock", "bun"],
  ["bun.lockb", "bun"],
];

function detectNode(root: string, notes: string[]): Pick<Detected, "packageManager" | "depsFiles" | "install" | "develop" | "test"> {
  const pkg = readJson(root, "package.json");
  const locks = LOCKS.filter(([file]) => has(root, file));
  const declared = typeof pkg.packageManager === "string" ? (pkg.packageManager.split("@")[0] as PackageManager) : null;
  const manager: PackageManager = locks[0]?.[1] ?? (declared && ["npm", "pnpm", "yarn", "bun"].includes(declared) ? declared : "npm");
  const files = ["package.json", ...locks.map(([file]) => file)];
  // Files the package manager reads besides the manifest and the lock.
  for (const extra of [".npmrc", ".yarnrc", ".yarnrc.yml", "pnpm-workspace.yaml", "bunfig.toml", ".nvmrc"]) if (has(root, extra)) files.push(extra);
  for (const dir of [".yarn/releases", ".yarn/patches", ".yarn/plugins"]) if (has(root, dir)) files.push(`${dir}/**`);
  // Workspaces (monorepos) need each member's package.json to install.
  const workspaces = Array.isArray(pkg.workspaces) ? pkg.workspaces : Array.isArray((pkg.workspaces as { packages?: unknown })?.packages) ? (pkg.workspaces as { packages: unknown[] }).packages : [];
  const pnpmWorkspaces = has(root, "pnpm-workspace.yaml")
    ? [...readFileSync(join(root, "pnpm-workspace.yaml"), "utf8").matchAll(/^\s*-\s*['"]?([^'"\s#]+)['"]?/gm)].map((m) => m[1])
    : [];
  for (const member of [...workspaces, ...pnpmWorkspaces]) {
    const path = typeof member === "string" && !member.startsWith("!") ? insidePath(member) : null;
    if (path) files.push(`${path}/package.json`);
  }
  // Local `file:`/`link:` dependencies inside the project are part of the install too.
  for (const group of ["dependencies", "devDependencies", "optionalDependencies"]) {
    for (const spec of Object.values((pkg[group] as Record<string, unknown> | undefined) ?? {})) {
      const match = typeof spec === "string" ? /^(?:file|link):(.+)$/.exec(spec) : null;
      const path = match?.[1] ? insidePath(match[1]) : null;
      if (path) files.push(existsSync(join(root, path)) && !path.endsWith(".tgz") ? `${path}/**` : path);
    }
  }
  const frozen: Record<PackageManager, string> = {
    npm: locks.length > 0 ? "npm ci" : "npm install",
    pnpm: "pnpm install --frozen-lockfile",
    yarn: has(root, ".yarnrc.yml") ? "yarn install --immutable" : "yarn install --frozen-lockfile",
    bun: "bun install --frozen-lockfile",
  };
  const install = locks.length > 0 || manager !== "npm" ? frozen[manager] : "npm install";
  const scripts = (pkg.scripts as Record<string, unknown> | undefined) ?? {};
  const test = manager === "bun" ? "bun run test" : `${manager} test`;
  if (typeof scripts.test !== "string") notes.push(`package.json has no "test" script: \`rig <ws>/test\` runs \`${test}\`, which will say so`);
  notes.push(`Node project (package.json${locks.length > 0 ? ` + ${locks.map(([f]) => f).join(", ")}` : ", no lock file"}): ${manager}, installs with \`${install}\``);
  if (locks.length > 1) notes.push(`several lock files (${locks.map(([f]) => f).join(", ")}): using ${manager}'s`);
  return { packageManager: manager, depsFiles: [...new Set(files)], install, develop: null, test };
}

/** Installs pyproject.toml's [project] dependencies and its "dev"/"test" extras' (a Python one-liner, no quotes of its own kind). */
const PYPROJECT_DEPS = [
  "import subprocess, sys, tomllib",
  'p = tomllib.load(open("pyproject.toml", "rb")).get("project", {})',
  'deps = p.get("dependencies", []) + [d for g in ("dev", "test") for d in p.get("optional-dependencies", {}).get(g, [])]',
  'deps and subprocess.check_call([sys.executable, "-m", "pip", "install", *deps])',
].join("; ");

/**
 * Makes the project's own code importable from its virtualenv (a Python one-liner, no
 * quotes of its own kind): an editable install when the project can be built offline —
 * its build backend is in the virtualenv already (setuptools also wants wheel) — else a
 * .pth naming its `src/` (or its root), which the local template re-points after each copy.
 */
const DEVELOP = [
  "import importlib.util as u, os, site, subprocess as sp, sys",
  'f = [x for x in ("pyproject.toml", "setup.py", "setup.cfg") if os.path.exists(x)]',
  // (tomllib is Python 3.11's: before it, the backend is taken to be setuptools.)
  't = __import__("tomllib").load(open("pyproject.toml", "rb")) if "pyproject.toml" in f and u.find_spec("tomllib") else {}',
  'm = t.get("build-system", {}).get("build-backend", "setuptools").split(":")[0].split(".")[0]',
  'ok = bool(f) and u.find_spec(m) is not None and (m != "setuptools" or u.find_spec("wheel") is not None)',
  'ok = ok and sp.call([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--no-build-isolation", "-e", "."], stdout=sp.DEVNULL, stderr=sp.DEVNULL) == 0',
  'd = os.getcwd(); s = os.path.join(d, "src"); p = s if os.path.isdir(s) else d',
  'ok or open(os.path.join(site.getsitepackages()[0], "rigkit-project.pth"), "w").write(p + "\\n")',
  'print("installed the project itself (pip install -e .)" if ok else "the project is importable through rigkit-project.pth (" + os.path.relpath(p) + "); an editable install needs its build backend in the virtualenv")',
].join("; ");

/** A tests directory that is no package: `python -m unittest` alone would not look into it. */
const testsDir = (root: string) => ["tests", "test"].find((d) => existsSync(join(root, d)) && !has(root, `${d}/__init__.py`));

function detectPython(root: string, notes: string[]): Pick<Detected, "depsFiles" | "install" | "develop" | "test"> {
  const requirements = ["requirements.txt", "requirements-dev.txt", "requirements-test.txt", "dev-requirements.txt"].filter((f) => has(root, f));
  const manifests = ["pyproject.toml", "setup.py", "setup.cfg", "poetry.lock", "uv.lock", "Pipfile.lock"].filter((f) => has(root, f));
  const files = [...requirements, ...manifests];
  const text = files.map((f) => readFileSync(join(root, f), "utf8")).join("\n");
  // With requirements files: those; else the dependencies pyproject.toml lists, read when
  // the install runs (Python 3.11's tomllib), so editing them needs no new `rig init`.
  const venv = "python3 -m venv .venv && PIP_DISABLE_PIP_VERSION_CHECK=1";
  const install =
    requirements.length > 0
      ? `${venv} .venv/bin/pip install ${requirements.map((f) => `-r ${f}`).join(" ")}`
      : has(root, "pyproject.toml")
        ? `${venv} .venv/bin/python -c '${PYPROJECT_DEPS}'`
        : "python3 -m venv .venv";
  const develop = `PIP_DISABLE_PIP_VERSION_CHECK=1 .venv/bin/python -c '${DEVELOP}'`;
  const tests = testsDir(root);
  const test = /\bpytest\b/.test(text) ? ".venv/bin/python -m pytest" : `.venv/bin/python -m unittest${tests ? ` discover -s ${tests}` : ""}`;
  notes.push(`Python project (${files.join(", ")}): a virtualenv in .venv, installed ${requirements.length > 0 ? `from ${requirements.join(", ")}` : "from pyproject.toml's [project] dependencies"}`);
  if (manifests.some((f) => f.endsWith(".lock"))) notes.push(`${manifests.filter((f) => f.endsWith(".lock")).join(", ")}: the template installs with pip; switch the install command to your tool's (e.g. \`uv sync --no-install-project\`) if you prefer`);
  return { depsFiles: files, install, develop, test };
}

/** A lifecycle command as a shell string: a string as is, an argv quoted, an object's commands joined. */
function commandsOf(value: unknown): string[] {
  const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
  if (typeof value === "string") return value.trim() ? [value] : [];
  if (Array.isArray(value)) return value.length > 0 ? [value.map((w) => quote(String(w))).join(" ")] : [];
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(commandsOf);
  return [];
}

function detectDevcontainer(root: string, notes: string[]): Devcontainer | null {
  const file = [".devcontainer/devcontainer.json", ".devcontainer.json"].find((f) => has(root, f));
  if (!file) return null;
  const json = readJson(root, file);
  const dir = file.startsWith(".devcontainer/") ? ".devcontainer" : ".";
  const build = (json.build as { dockerfile?: unknown; context?: unknown } | undefined) ?? {};
  const dockerfileName = typeof build.dockerfile === "string" ? build.dockerfile : typeof json.dockerFile === "string" ? json.dockerFile : null;
  const rel = (path: string) => insidePath(join(dir, path)) ?? ".";
  const dockerfile = dockerfileName ? { file: rel(dockerfileName), context: rel(typeof build.context === "string" ? build.context : ".") } : null;
  const image = typeof json.image === "string" ? json.image : null;
  const env = Object.fromEntries(Object.entries((json.containerEnv as Record<string, unknown> | undefined) ?? {}).filter(([, v]) => typeof v === "string")) as Record<string, string>;
  const ports = Array.isArray(json.forwardPorts) ? json.forwardPorts.filter((p): p is number | string => typeof p === "number" || typeof p === "string") : [];
  const setup = ["onCreateCommand", "updateContentCommand", "postCreateCommand"].flatMap((key) => commandsOf(json[key]));
  notes.push(`${file}: ${image ? `image ${image}` : dockerfile ? `built from ${dockerfile.file}` : "no image or Dockerfile"}${setup.length ? `, ${setup.length} setup command(s)` : ""}${ports.length ? `, ports ${ports.join(", ")}` : ""}`);
  return {
    file,
    image,
    dockerfile,
    setup,
    forwardPorts: ports,
    containerEnv: env,
    workspaceFolder: typeof json.workspaceFolder === "string" ? json.workspaceFolder : null,
  };
}

export function detectProject(root: string): Detected {
  const notes: string[] = [];
  const devcontainer = detectDevcontainer(root, notes);
  if (has(root, "package.json")) return { kind: "node", devcontainer, notes, ...detectNode(root, notes) };
  if (["pyproject.toml", "requirements.txt", "setup.py"].some((f) => has(root, f))) {
    return { kind: "python", packageManager: null, devcontainer, notes, ...detectPython(root, notes) };
  }
  if (!devcontainer) notes.push("no package.json, pyproject.toml or requirements.txt: the plain template");
  return { kind: "plain", packageManager: null, depsFiles: [], install: null, develop: null, test: null, devcontainer, notes };
}
