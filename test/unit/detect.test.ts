/** What `rig init` detects, table-driven over real files in temp directories. */
import { describe, expect, test } from "bun:test";
import { detectProject } from "../../src/engine/init/detect.ts";
import { parseJsonc } from "../../src/engine/init/jsonc.ts";
import { project } from "../helpers.ts";

const PKG = JSON.stringify({ name: "x", scripts: { test: "jest" } });

describe("lock files", () => {
  const cases: [string, Record<string, string>, { packageManager: string; install: string; test: string; depsFiles: string[] }][] = [
    ["npm", { "package.json": PKG, "package-lock.json": "{}" }, { packageManager: "npm", install: "npm ci", test: "npm test", depsFiles: ["package.json", "package-lock.json"] }],
    ["npm shrinkwrap", { "package.json": PKG, "npm-shrinkwrap.json": "{}" }, { packageManager: "npm", install: "npm ci", test: "npm test", depsFiles: ["package.json", "npm-shrinkwrap.json"] }],
    ["pnpm", { "package.json": PKG, "pnpm-lock.yaml": "" }, { packageManager: "pnpm", install: "pnpm install --frozen-lockfile", test: "pnpm test", depsFiles: ["package.json", "pnpm-lock.yaml"] }],
    ["yarn classic", { "package.json": PKG, "yarn.lock": "" }, { packageManager: "yarn", install: "yarn install --frozen-lockfile", test: "yarn test", depsFiles: ["package.json", "yarn.lock"] }],
    [
      "yarn berry",
      { "package.json": PKG, "yarn.lock": "", ".yarnrc.yml": "yarnPath: .yarn/releases/yarn.cjs\n", ".yarn/releases/yarn.cjs": "" },
      { packageManager: "yarn", install: "yarn install --immutable", test: "yarn test", depsFiles: ["package.json", "yarn.lock", ".yarnrc.yml", ".yarn/releases/**"] },
    ],
    ["bun text lock", { "package.json": PKG, "bun.lock": "" }, { packageManager: "bun", install: "bun install --frozen-lockfile", test: "bun run test", depsFiles: ["package.json", "bun.lock"] }],
    ["bun binary lock", { "package.json": PKG, "bun.lockb": "" }, { packageManager: "bun", install: "bun install --frozen-lockfile", test: "bun run test", depsFiles: ["package.json", "bun.lockb"] }],
    ["no lock", { "package.json": PKG }, { packageManager: "npm", install: "npm install", test: "npm test", depsFiles: ["package.json"] }],
    [
      "no lock, packageManager field",
      { "package.json": JSON.stringify({ packageManager: "pnpm@9.1.0" }) },
      { packageManager: "pnpm", install: "pnpm install --frozen-lockfile", test: "pnpm test", depsFiles: ["package.json"] },
    ],
    ["npmrc too", { "package.json": PKG, "package-lock.json": "{}", ".npmrc": "x=1" }, { packageManager: "npm", install: "npm ci", test: "npm test", depsFiles: ["package.json", "package-lock.json", ".npmrc"] }],
  ];
  for (const [name, files, expected] of cases) {
    test(name, () => {
      expect(detectProject(project(files))).toMatchObject({ kind: "node", ...expected });
    });
  }

  test("workspaces and local file: dependencies inside the project are install inputs; ones outside are not", () => {
    const pkg = { workspaces: ["packages/*"], dependencies: { a: "file:./vendor/a", b: "file:../outside", c: "link:tools/c.tgz", d: "^1.0.0" } };
    const found = detectProject(project({ "package.json": JSON.stringify(pkg), "package-lock.json": "{}", "vendor/a/package.json": "{}" }));
    expect(found.depsFiles).toEqual(["package.json", "package-lock.json", "packages/*/package.json", "vendor/a/**", "tools/c.tgz"]);
  });

  test("pnpm-workspace.yaml members", () => {
    const found = detectProject(project({ "package.json": PKG, "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - 'apps/*'\n  - \"libs/*\"\n" }));
    expect(found.depsFiles).toEqual(["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", "apps/*/package.json", "libs/*/package.json"]);
  });

  test("a package.json that is not JSON is a usage error naming it", () => {
    expect(() => detectProject(project({ "package.json": "{ nope" }))).toThrow(/Cannot read package\.json/);
  });
});

describe("python", () => {
  test("requirements files, with pytest named", () => {
    const found = detectProject(project({ "requirements.txt": "pytest\n", "requirements-dev.txt": "black\n" }));
    expect(found).toMatchObject({
      kind: "python",
      depsFiles: ["requirements.txt", "requirements-dev.txt"],
      install: "python3 -m venv .venv && PIP_DISABLE_PIP_VERSION_CHECK=1 .venv/bin/pip install -r requirements.txt -r requirements-dev.txt",
      test: ".venv/bin/python -m pytest",
    });
  });

  test("pyproject.toml alone: its dependencies are read when the install runs", () => {
    const found = detectProject(project({ "pyproject.toml": '[project]\nname = "x"\ndependencies = ["requests"]\n', "uv.lock": "" }));
    expect(found.depsFiles).toEqual(["pyproject.toml", "uv.lock"]);
    expect(found.install).toContain("tomllib");
    expect(found.test).toBe(".venv/bin/python -m unittest");
    expect(found.notes.join("\n")).toContain("uv.lock");
  });

  test("the pyproject one-liner installs [project] dependencies and dev/test extras (run against a stub pip)", () => {
    const dir = project({
      "pyproject.toml": '[project]\nname = "x"\ndependencies = ["a>=1"]\n[project.optional-dependencies]\ntest = ["b"]\ndocs = ["c"]\n',
      // A fake venv python: records what `-m pip install` got.
      "stub/python": '#!/bin/sh\nif [ "$1" = "-c" ]; then exec python3 "$@"; fi\necho "$@" > pip-args.txt\n',
    });
    Bun.spawnSync(["chmod", "+x", `${dir}/stub/python`]);
    const install = detectProject(dir).install as string;
    const oneLiner = install.slice(install.indexOf("-c '") + 4, -1).replace("sys.executable", `"${dir}/stub/python"`);
    const r = Bun.spawnSync(["python3", "-c", oneLiner], { cwd: dir, stderr: "pipe" });
    if (r.exitCode !== 0 && /tomllib/.test(r.stderr.toString())) throw new Error("python3 without tomllib (needs 3.11+)");
    expect(r.exitCode).toBe(0);
    expect(Bun.file(`${dir}/pip-args.txt`).size).toBeGreaterThan(0);
    expect(require("node:fs").readFileSync(`${dir}/pip-args.txt`, "utf8")).toBe("-m pip install a>=1 b\n");
  }, 30_000);
});

describe("python: the project's own code and its tests", () => {
  test("a tests directory that is no package is discovered by unittest; a package one is found as it is", () => {
    expect(detectProject(project({ "pyproject.toml": "", "tests/test_a.py": "" })).test).toBe(".venv/bin/python -m unittest discover -s tests");
    expect(detectProject(project({ "setup.py": "", "test/test_a.py": "" })).test).toBe(".venv/bin/python -m unittest discover -s test");
    expect(detectProject(project({ "pyproject.toml": "", "tests/__init__.py": "", "tests/test_a.py": "" })).test).toBe(".venv/bin/python -m unittest");
    expect(detectProject(project({ "requirements.txt": "pytest\n", "tests/test_a.py": "" })).test).toBe(".venv/bin/python -m pytest");
    expect(detectProject(project({ "package.json": PKG })).develop).toBeNull();
  });

  // A real virtualenv without pip or setuptools (fast to make): no build backend, so the
  // project is made importable through a .pth naming src/ (or the root), never by pip.
  const venvRun = (files: Record<string, string>) => {
    const dir = project(files);
    const venv = Bun.spawnSync(["python3", "-m", "venv", "--without-pip", `${dir}/.venv`], { stderr: "pipe" });
    if (venv.exitCode !== 0) throw new Error(`python3 -m venv failed (python3-venv installed?): ${venv.stderr}`);
    const develop = detectProject(dir).develop as string;
    const r = Bun.spawnSync(["sh", "-c", develop], { cwd: dir, stdout: "pipe", stderr: "pipe" });
    const site = Bun.spawnSync([`${dir}/.venv/bin/python`, "-c", "import site; print(site.getsitepackages()[0])"]).stdout.toString().trim();
    const pth = `${site}/rigkit-project.pth`;
    return { dir, r, pth: require("node:fs").existsSync(pth) ? require("node:fs").readFileSync(pth, "utf8") : null };
  };

  test("develop: src/ layout through a .pth, and the package imports from the virtualenv", () => {
    const { dir, r, pth } = venvRun({ "pyproject.toml": '[project]\nname = "calc"\n', "src/calc/__init__.py": "VALUE = 7\n" });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.toString()).toContain("importable through rigkit-project.pth (src)");
    expect(pth).toBe(`${dir}/src\n`);
    const imported = Bun.spawnSync([`${dir}/.venv/bin/python`, "-c", "import calc; print(calc.VALUE)"], { cwd: "/" });
    expect(imported.stdout.toString()).toBe("7\n");
  }, 30_000);

  test("develop: a flat project (requirements only) through a .pth naming its root", () => {
    const { dir, r, pth } = venvRun({ "requirements.txt": "", "app.py": "" });
    expect(r.exitCode).toBe(0);
    expect(pth).toBe(`${dir}\n`);
  }, 30_000);
});

describe("devcontainer.json", () => {
  test("JSON with comments: image, setup commands in order, ports, env, folder", () => {
    const found = detectProject(
      project({
        ".devcontainer/devcontainer.json": `{
  // the image
  "image": "rigkit-test/busybox:1", /* inline */
  "postCreateCommand": ["sh", "-c", "echo it's done"],
  "onCreateCommand": { "a": "echo one", "b": ["echo", "two"] },
  "forwardPorts": [3000, "db:5432",],
  "containerEnv": { "MODE": "dev", "URL": "http://x//y" },
  "workspaceFolder": "/workspaces/app",
}`,
      }),
    );
    expect(found.kind).toBe("plain");
    expect(found.devcontainer).toEqual({
      file: ".devcontainer/devcontainer.json",
      image: "rigkit-test/busybox:1",
      dockerfile: null,
      setup: ["echo one", "echo two", "sh -c 'echo it'\\''s done'"],
      forwardPorts: [3000, "db:5432"],
      containerEnv: { MODE: "dev", URL: "http://x//y" },
      workspaceFolder: "/workspaces/app",
    });
  });

  test("a Dockerfile build, paths relative to the project", () => {
    const found = detectProject(project({ ".devcontainer/devcontainer.json": '{ "build": { "dockerfile": "Dockerfile", "context": ".." } }', "package.json": "{}" }));
    expect(found.kind).toBe("node");
    expect(found.devcontainer?.dockerfile).toEqual({ file: ".devcontainer/Dockerfile", context: "." });
  });
});

describe("parseJsonc", () => {
  const cases: [string, unknown][] = [
    ['{"a": "// not a comment", "b": "/* nor this */"}', { a: "// not a comment", b: "/* nor this */" }],
    ['{"a": "quote \\" // still a string",}', { a: 'quote " // still a string' }],
    ["[1, 2, /* c */ 3,\n]", [1, 2, 3]],
    ['{"a": [1,],\n// end\n}', { a: [1] }],
    ['{"a": ", }"}', { a: ", }" }],
  ];
  for (const [text, value] of cases) test(JSON.stringify(text), () => expect(parseJsonc(text)).toEqual(value));
  test("bad JSON keeps JSON.parse's message", () => expect(() => parseJsonc("{ a: 1 }")).toThrow());
});
