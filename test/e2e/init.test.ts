/** `rig init` in real projects: what it writes (and never writes), detection, and the templates it fills, applied for real. */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, project, rig, tempDir } from "../helpers.ts";
import { nodeProject, pythonProject } from "../fixtures/projects.ts";

const TSC = join(REPO, "node_modules", ".bin", "tsc");
const git = (dir: string, ...args: string[]) => Bun.spawnSync(["git", ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" }).stdout.toString();
const tsc = (dir: string, ...args: string[]) => {
  const r = Bun.spawnSync([TSC, ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString() };
};
/** Outside the project: nothing of rig's own lands in it but what init writes. */
const home = () => ({ RIGKIT_HOME: tempDir("rigkit-home-") });

describe("rig init writes rigkit/ and .gitignore only", () => {
  test("a JS project without a tsconfig.json: git status shows .gitignore and rigkit/, its own tsc behaves the same, tsc -p rigkit checks the config", async () => {
    const dir = nodeProject(tempDir());
    const before = tsc(dir, "--noEmit");
    const r = await rig(["init", "--json"], { cwd: dir, env: home() });
    expect(r.exitCode).toBe(0);
    const result = r.json();
    expect(result).toMatchObject({
      config: join(dir, "rigkit", "index.ts"),
      tsconfig: join(dir, "rigkit", "tsconfig.json"),
      template: "local",
      gitignore: true,
      written: ["rigkit/index.ts", "rigkit/tsconfig.json", ".gitignore"],
      detected: { kind: "node", packageManager: "npm", depsFiles: ["package.json", "package-lock.json"], install: "npm ci", test: "npm test", devcontainer: null },
      warnings: [],
    });
    expect(git(dir, "status", "--porcelain", "--untracked-files=all").split("\n").filter(Boolean).sort()).toEqual([" M .gitignore", "?? rigkit/index.ts", "?? rigkit/tsconfig.json"]);
    expect(existsSync(join(dir, "tsconfig.json"))).toBe(false);
    expect(readFileSync(join(dir, "package.json"), "utf8")).toBe(git(dir, "show", "HEAD:package.json"));
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe("node_modules/\n.rigkit/\n");
    // The project's own tsc sees what it saw before (no tsconfig.json: the same usage answer).
    expect(tsc(dir, "--noEmit")).toEqual(before);
    // rig's config type-checks through rigkit/tsconfig.json, and a context mistake does not.
    expect(tsc(dir, "-p", "rigkit")).toEqual({ code: 0, out: "" });
    const config = readFileSync(join(dir, "rigkit", "index.ts"), "utf8");
    writeFileSync(join(dir, "rigkit", "index.ts"), config.replace("step.ctx.deps.path, dir)", "step.ctx.nothing.path, dir)"));
    const bad = tsc(dir, "-p", "rigkit");
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain("Property 'nothing' does not exist");
  }, 60_000);

  test("refuses to overwrite without --force; --force rewrites; a root rigkit.config.ts is kept and refused", async () => {
    const dir = project({ "hello.txt": "hi\n", ".gitignore": "node_modules" });
    const env = home();
    expect((await rig(["init"], { cwd: dir, env })).exitCode).toBe(0);
    const again = await rig(["init"], { cwd: dir, env });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("rigkit/index.ts already exists");
    expect(again.stderr).toContain("--force");
    writeFileSync(join(dir, "rigkit", "index.ts"), "// mine\n");
    const forced = await rig(["init", "--force", "--json"], { cwd: dir, env });
    expect(forced.exitCode).toBe(0);
    expect(forced.json()).toMatchObject({ gitignore: false, written: ["rigkit/index.ts", "rigkit/tsconfig.json"] });
    expect(readFileSync(join(dir, "rigkit", "index.ts"), "utf8")).toContain('workflow("app")');
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe("node_modules\n.rigkit/\n");

    const old = project({ "rigkit.config.ts": 'import { workflow } from "rigkit";\nexport default workflow("old").task("t", async () => {});\n' });
    const refused = await rig(["init", "--force"], { cwd: old, env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("rigkit.config.ts already exists");
    expect(existsSync(join(old, "rigkit"))).toBe(false);
    expect((await rig(["plan", "--json"], { cwd: old, env })).json().workflow).toBe("old");
  }, 60_000);

  test("a root tsconfig.json that would take in rigkit/ is left alone and named in a warning; one with its own include is not", async () => {
    const original = '{\n  // mine\n  "compilerOptions": { "strict": true, "noEmit": true }\n}\n';
    const open = project({ "tsconfig.json": original, "src/a.ts": "export const a: number = 1;\n" });
    const r = await rig(["init"], { cwd: open, env: home() });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(open, "tsconfig.json"), "utf8")).toBe(original);
    expect(r.stdout).toContain('add "rigkit" to its "exclude"');

    const scoped = project({ "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, include: ["src"] }), "src/a.ts": "export const a: number = 1;\n" });
    const before = tsc(scoped, "-p", ".");
    const s = await rig(["init", "--json"], { cwd: scoped, env: home() });
    expect(s.json().warnings).toEqual([]);
    expect(tsc(scoped, "-p", ".")).toEqual(before);
    expect(before.code).toBe(0);
  }, 60_000);

  test("an unknown template is a usage error naming the choices", async () => {
    const r = await rig(["init", "--template", "nope"], { cwd: tempDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("Allowed choices are local, docker, ssh, lxd");
  }, 30_000);
});

describe("the Node template", () => {
  test("installs once per lock file; a one-line source edit reruns only the copy; workspaces get the edit; ws/test fails rig when the tests fail", async () => {
    const dir = nodeProject(tempDir());
    const env = home();
    expect((await rig(["init"], { cwd: dir, env })).exitCode).toBe(0);
    const first = await rig(["apply", "--json"], { cwd: dir, env });
    expect(first.exitCode).toBe(0);
    expect(first.json()).toMatchObject({ ran: ["deps", "source"], cached: [] });

    writeFileSync(join(dir, "src", "message.txt"), "edited\n");
    const plan = await rig(["plan", "--json"], { cwd: dir, env });
    expect(plan.json().nodes.map((n: { path: string; status: string; reason: string | null }) => [n.path, n.status, n.reason])).toEqual([
      ["deps", "cached", null],
      ["source", "pending", "inputs-changed"],
    ]);
    const second = await rig(["apply", "--json"], { cwd: dir, env });
    expect(second.json()).toMatchObject({ ran: ["source"], cached: ["deps"] });

    expect((await rig(["create", "ws1"], { cwd: dir, env })).exitCode).toBe(0);
    const test1 = await rig(["ws1/test"], { cwd: dir, env });
    expect(test1.exitCode).toBe(0);
    expect(test1.stderr).toContain("message: edited");
    // rig's config and state stay out of the workspace; the installed dependency is there.
    const ls = await rig(["exec", "ws1", "--json", "--", "sh", "-c", "ls -A; cat node_modules/tinydep/index.js"], { cwd: dir, env });
    expect(ls.json().stdout.split("\n")).toEqual([".gitignore", "README.md", "node_modules", "package-lock.json", "package.json", "src", "test.js", "module.exports = 42;", ""]);

    // A lock file change reruns the install.
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ ...pkg, description: "changed" }, null, 2));
    expect((await rig(["plan", "--json"], { cwd: dir, env })).json().nodes[0]).toMatchObject({ path: "deps", reason: "inputs-changed" });

    // Failing tests fail rig.
    writeFileSync(join(dir, "test.js"), "process.exit(5);\n");
    expect((await rig(["create", "ws2"], { cwd: dir, env })).exitCode).toBe(0);
    const failing = await rig(["ws2/test", "--json"], { cwd: dir, env });
    expect(failing.exitCode).not.toBe(0);
    expect(failing.stdout).toBe("");
    expect(failing.error().message).toContain("npm test");
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  }, 120_000);
});

describe("the Python template", () => {
  test("a virtualenv per workspace: installed offline from requirements.txt, its scripts name the workspace, ws/test runs the tests", async () => {
    const dir = pythonProject(tempDir());
    const env = home();
    const init = await rig(["init", "--json"], { cwd: dir, env });
    expect(init.json().detected).toMatchObject({ kind: "python", depsFiles: ["requirements.txt"], test: ".venv/bin/python -m unittest" });
    expect(existsSync(join(dir, "tsconfig.json"))).toBe(false);
    const apply = await rig(["apply", "--json"], { cwd: dir, env });
    expect(apply.exitCode).toBe(0);
    expect((await rig(["create", "ws1", "ws2", "--json"], { cwd: dir, env })).exitCode).toBe(0);
    const test1 = await rig(["ws1/test"], { cwd: dir, env });
    expect(test1.exitCode).toBe(0);
    expect(test1.stderr).toContain("OK");
    const ws1 = (await rig(["exec", "ws1", "--json", "--", "sh", "-c", "pwd; head -1 .venv/bin/pip; .venv/bin/python -c 'import sys; print(sys.prefix)'"], { cwd: dir, env })).json().stdout.split("\n");
    expect(ws1[1]).toBe(`#!${ws1[0]}/.venv/bin/python3`);
    expect(ws1[2]).toBe(`${ws1[0]}/.venv`);
    // A package installed in ws1's venv stays in ws1.
    const wheels = join(dir, "..", "wheels");
    expect((await rig(["exec", "ws1", "--", ".venv/bin/pip", "uninstall", "-y", "-q", "tinylib"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["ws1/test"], { cwd: dir, env })).exitCode).not.toBe(0);
    expect((await rig(["ws2/test"], { cwd: dir, env })).exitCode).toBe(0);
    expect(existsSync(wheels)).toBe(true);
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    // Three virtualenvs (pip included) are many files: gone here, not in the shared clean-up's time.
    rmSync(join(dir, ".."), { recursive: true, force: true });
  }, 180_000);
});

describe("the Python template: a src/ layout with a tests/ directory", () => {
  test("the project's own package imports in every workspace, its tests are found, and an edit in one workspace stays there", async () => {
    const dir = project({
      "pyproject.toml": '[project]\nname = "calc"\nversion = "0.1.0"\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
      "src/calc/__init__.py": "def add(a, b):\n    return a + b\n",
      "tests/test_calc.py": "import unittest\nimport calc\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(calc.add(1, 2), 3)\n",
    });
    const env = home();
    const init = await rig(["init", "--json"], { cwd: dir, env });
    expect(init.json().detected).toMatchObject({ kind: "python", test: ".venv/bin/python -m unittest discover -s tests" });
    const apply = await rig(["apply"], { cwd: dir, env });
    expect(apply.exitCode).toBe(0);
    // Offline, the virtualenv has no build backend for an editable install: a .pth instead.
    expect(apply.stderr).toContain("importable through rigkit-project.pth (src)");
    expect((await rig(["create", "ws1", "ws2"], { cwd: dir, env })).exitCode).toBe(0);
    const passing = await rig(["ws1/test"], { cwd: dir, env });
    expect(passing.exitCode).toBe(0);
    expect(passing.stderr).toContain("Ran 1 test");
    expect((await rig(["exec", "ws1", "--", "sh", "-c", "echo 'def add(a, b):\n    return a - b' > src/calc/__init__.py"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["ws1/test"], { cwd: dir, env })).exitCode).toBe(1);
    expect((await rig(["ws2/test"], { cwd: dir, env })).exitCode).toBe(0);
    expect(readFileSync(join(dir, "src", "calc", "__init__.py"), "utf8")).toContain("a + b");
    expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  }, 180_000);
});

describe("rig init never writes through a symlink", () => {
  test("rigkit/ or its files as symlinks are refused; a symlinked .gitignore is left alone with a warning", async () => {
    const { symlinkSync, mkdirSync, lstatSync } = await import("node:fs");
    const elsewhere = tempDir();
    writeFileSync(join(elsewhere, "index.ts"), "// someone else's\n");
    const env = home();

    const linkedDir = project({ "hello.txt": "hi\n" });
    symlinkSync(elsewhere, join(linkedDir, "rigkit"));
    const r1 = await rig(["init", "--force"], { cwd: linkedDir, env });
    expect(r1.exitCode).toBe(2);
    expect(r1.stderr).toContain("rigkit is a symlink: rig init does not write through it");

    const linkedFile = project({ "hello.txt": "hi\n" });
    mkdirSync(join(linkedFile, "rigkit"));
    symlinkSync(join(elsewhere, "index.ts"), join(linkedFile, "rigkit", "tsconfig.json"));
    const r2 = await rig(["init", "--force"], { cwd: linkedFile, env });
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toContain("rigkit/tsconfig.json is a symlink");
    expect(readFileSync(join(elsewhere, "index.ts"), "utf8")).toBe("// someone else's\n");

    const linkedIgnore = project({ "hello.txt": "hi\n" });
    writeFileSync(join(elsewhere, "shared-ignore"), "dist\n");
    symlinkSync(join(elsewhere, "shared-ignore"), join(linkedIgnore, ".gitignore"));
    const r3 = await rig(["init", "--json"], { cwd: linkedIgnore, env });
    expect(r3.exitCode).toBe(0);
    expect(r3.json()).toMatchObject({ gitignore: false, warnings: [".gitignore is a symlink: rig left it alone; add .rigkit/ to it yourself"] });
    expect(readFileSync(join(elsewhere, "shared-ignore"), "utf8")).toBe("dist\n");
    expect(lstatSync(join(linkedIgnore, ".gitignore")).isSymbolicLink()).toBe(true);

    const fileNotDir = project({ rigkit: "not a directory\n" });
    const r4 = await rig(["init"], { cwd: fileNotDir, env });
    expect(r4.exitCode).toBe(2);
    expect(r4.stderr).toContain("rigkit is not a directory");
  }, 60_000);
});
