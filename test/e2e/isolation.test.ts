/**
 * Workspaces are independent (README "Workspaces are independent"): a local workspace
 * lives outside the project tree, is a git repository of its own, and the commands rig
 * runs in it see its files at the base's absolute paths, never the base, the project or
 * another workspace. These tests run real git, node and python; the namespace needs root
 * (or bubblewrap) and fails saying so elsewhere.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { RIG, project, rig, tempDir, workspaceDir } from "../helpers.ts";

/** Each test runs rig a dozen times or more: slow on a loaded machine. */
const SLOW = 30_000;

const isolated = process.getuid?.() === 0 || Bun.which("bwrap") !== null;

/** A local workflow whose base task runs `prepare` (a shell script) in the prepared directory. */
const config = (prepare: string, more = "") => `import { workflow, local } from "rigkit";
export default workflow("l")
  .addProvider("local", local())
  .task("base", async ({ providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    await providers.local.exec(["sh", "-c", ${JSON.stringify(prepare)}], { cwd: dir, env: { BASE: dir } });
    return { ctx: { base: providers.local.dirRef(dir) } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  })
  .workspaceOperation("go", {
    run: async ({ workspace, providers }) => (await providers.local.exec(["sh", "-c", "./run.sh"], { cwd: workspace.ctx.dir })).stdout,
  })${more};`;

const git = (cwd: string, ...args: string[]) => {
  const r = Bun.spawnSync(["git", "-C", cwd, "-c", "user.name=t", "-c", "user.email=t@t", ...args], { stdout: "pipe", stderr: "pipe" });
  return r.stdout.toString().trim();
};
const GIT_ID = "git -c user.name=t -c user.email=t@t";

async function created(dir: string, name: string, env?: Record<string, string>) {
  const r = await rig(["create", name, "--json"], { cwd: dir, env });
  if (r.exitCode !== 0) throw new Error(`rig create ${name} failed:\n${r.stderr}`);
  return r.json().workspaces[0] as { name: string; ctx: { dir: string; method: string } };
}

describe("outside the project tree", () => {
  test("workspaces live under RIGKIT_HOME, not in the project; ls keeps ctx.dir; doctor names paths.workspaces", async () => {
    const dir = project({ "rigkit.config.ts": config("echo base > f.txt") });
    const ws = await created(dir, "w1");
    expect(ws.ctx.dir).toBe(workspaceDir(dir, "w1"));
    expect(ws.ctx.dir.startsWith(`${realpathSync(dir)}/`)).toBe(false);
    expect(existsSync(join(dir, ".rigkit", "workspaces"))).toBe(false);
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces[0].ctx.dir).toBe(ws.ctx.dir);
    const doctor = await rig(["doctor", "--json"], { cwd: dir });
    expect(doctor.json().paths.workspaces).toBe(workspaceDir(dir).replace(/\/$/, ""));
    expect((await rig(["doctor"], { cwd: dir })).stdout).toContain(workspaceDir(dir).replace(/\/$/, ""));
    expect((await rig(["rm", "w1", "--yes"], { cwd: dir })).exitCode).toBe(0);
    expect(existsSync(ws.ctx.dir)).toBe(false);
  }, SLOW);

  test("a RIGKIT_HOME inside the project is not used for workspaces", async () => {
    const dir = project({ "rigkit.config.ts": config("echo base > f.txt") });
    const home = tempHome();
    const env = { RIGKIT_HOME: join(dir, ".home"), HOME: home };
    const ws = await created(dir, "w1", env);
    expect(ws.ctx.dir).toBe(join(realpathSync(home), ".rigkit", "workspaces", projectId(dir), "w1"));
    expect((await rig(["rm", "w1", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  }, SLOW);

  test("a workspace made under another RIGKIT_HOME is still removed by rm (its marker decides); a directory without it is not", async () => {
    const dir = project({ "rigkit.config.ts": config("echo base > f.txt") });
    const [first, second] = [tempHome(), tempHome()];
    const ws = await created(dir, "w1", { RIGKIT_HOME: first });
    const rm = await rig(["rm", "w1", "--yes"], { cwd: dir, env: { RIGKIT_HOME: second } });
    expect(rm.exitCode).toBe(0);
    expect(existsSync(ws.ctx.dir)).toBe(false);
    // The same shape, but not made by rig: the record is kept and the directory too.
    const w2 = await created(dir, "w2", { RIGKIT_HOME: first });
    rmSync(join(dirname(w2.ctx.dir), ".w2.rigkit-owner"));
    const refused = await rig(["rm", "w2", "--yes"], { cwd: dir, env: { RIGKIT_HOME: second } });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain("it was not made by rig for this project");
    expect(existsSync(join(w2.ctx.dir, "f.txt"))).toBe(true);
  }, SLOW);

  test("git in a workspace of a git project: a non-git base finds no repository; a git base is the workspace's own repository", async () => {
    const dir = project({ "rigkit.config.ts": config("echo base > f.txt"), "a.txt": "project\n", ".gitignore": ".rigkit/\n" });
    git(dir, "init", "-q");
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "project");
    const head = git(dir, "rev-parse", "HEAD");
    const ws = await created(dir, "plain");
    const commit = await rig(["exec", "plain", "--", "sh", "-c", `git add -A && ${GIT_ID} commit -qm agent-work`], { cwd: dir });
    expect(commit.exitCode).not.toBe(0);
    expect(commit.stderr).toMatch(/not a git repository/);
    expect(git(dir, "rev-parse", "HEAD")).toBe(head);
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(ws.ctx.method).not.toBe("git");
  }, SLOW);

  for (const [kind, prepare] of [
    ["a clone of the project (clean: cloned again)", `git clone -q "$PROJECT" . && ${GIT_ID} commit -q --allow-empty -m base`],
    ["a git worktree of the project (its .git links there)", `rmdir "$BASE" && git -C "$PROJECT" worktree add -q --detach "$BASE" && echo dirty > "$BASE/untracked.txt"`],
  ] as const) {
    test(`a base that is ${kind}: the workspace is its own repository; commits there change neither the project nor the base`, async () => {
      const dir = project({ "a.txt": "project\n", ".gitignore": ".rigkit/\n" });
      writeFileSync(join(dir, "rigkit.config.ts"), config(prepare.replaceAll("$PROJECT", dir)));
      git(dir, "init", "-q");
      git(dir, "add", "-A");
      git(dir, "commit", "-qm", "project");
      const head = git(dir, "rev-parse", "HEAD");
      const branches = git(dir, "for-each-ref");
      const ws = await created(dir, "w");
      const base = join(dir, ".rigkit", "base", "base");
      const baseHead = git(base, "rev-parse", "HEAD");
      expect(readFileSync(join(ws.ctx.dir, ".git", "HEAD"), "utf8")).toBeTruthy(); // a directory: a repository of its own
      const work = await rig(["exec", "w", "--", "sh", "-c", `echo change >> a.txt && git add -A && ${GIT_ID} commit -qm agent-work && git branch agent && git rev-parse --show-toplevel`], { cwd: dir });
      expect(work.exitCode).toBe(0);
      expect(work.stdout.trim()).toBe(ws.ctx.dir);
      expect(git(dir, "rev-parse", "HEAD")).toBe(head);
      expect(git(dir, "for-each-ref")).toBe(branches);
      expect(git(dir, "status", "--porcelain")).toBe("");
      expect(git(base, "rev-parse", "HEAD")).toBe(baseHead);
      expect(git(ws.ctx.dir, "log", "--format=%s", "-1")).toBe("agent-work");
      // No remote points back at the base.
      expect(git(ws.ctx.dir, "remote", "-v")).not.toContain(base);
      expect((await rig(["rm", "w", "--yes"], { cwd: dir })).exitCode).toBe(0);
    }, SLOW);
  }

  test("a module only in the project's node_modules is not resolved from a workspace", async () => {
    const dir = project({
      "rigkit.config.ts": config("echo base > f.txt"),
      "node_modules/only-in-project/index.js": "module.exports = 'project';\n",
    });
    expect(Bun.spawnSync(["node", "-e", "require('only-in-project')"], { cwd: join(dir) }).exitCode).toBe(0);
    await created(dir, "w");
    const r = await rig(["exec", "w", "--", "node", "-e", "require('only-in-project')"], { cwd: dir });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("Cannot find module");
  }, SLOW);
});

describe("no path back into the base", () => {
  // run.sh names the base by its absolute path: it reads and appends to files there.
  const SCRIPT = `echo base > f.txt && printf '#!/bin/sh\\ncat %s/f.txt\\necho wrote >> %s/log.txt\\n' "$BASE" "$BASE" > run.sh && chmod +x run.sh`;

  test("a script naming the base's path reads and writes the workspace's files (exec, operations); base and other workspaces unchanged", async () => {
    expect(isolated, "needs root or bubblewrap (bwrap) for a mount namespace").toBe(true);
    const dir = project({ "rigkit.config.ts": config(SCRIPT) });
    const w1 = await created(dir, "w1");
    const w2 = await created(dir, "w2");
    const base = join(dir, ".rigkit", "base", "base");
    writeFileSync(join(w1.ctx.dir, "f.txt"), "one\n");
    expect((await rig(["exec", "w1", "--", "./run.sh"], { cwd: dir })).stdout).toBe("one\n");
    expect((await rig(["exec", "w1", "--json", "--", "./run.sh"], { cwd: dir })).json().stdout).toBe("one\n");
    expect((await rig(["w2/go", "--json"], { cwd: dir })).json()).toBe("base");
    expect(readFileSync(join(w1.ctx.dir, "log.txt"), "utf8")).toBe("wrote\nwrote\n");
    expect(readFileSync(join(w2.ctx.dir, "log.txt"), "utf8")).toBe("wrote\n");
    expect(existsSync(join(base, "log.txt"))).toBe(false);
    expect(readFileSync(join(base, "f.txt"), "utf8")).toBe("base\n");

    // Nothing else of the project or of other workspaces is writable (or, for workspaces, visible).
    const poke = await rig(["exec", "w1", "--", "sh", "-c", `echo x > ${dir}/poked; ls ${workspaceDir(dir)}; echo x > ${w2.ctx.dir}/poked`], { cwd: dir });
    expect(poke.stdout.trim()).toBe("w1");
    expect(existsSync(join(dir, "poked"))).toBe(false);
    expect(existsSync(join(w2.ctx.dir, "poked"))).toBe(false);
    // The host's mounts are untouched.
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(workspaceDir(dir));
  }, SLOW);

  test("a fork sees itself at its source's path too", async () => {
    expect(isolated, "needs root or bubblewrap (bwrap) for a mount namespace").toBe(true);
    const dir = project({ "rigkit.config.ts": config(SCRIPT) });
    const w1 = await created(dir, "w1");
    expect((await rig(["exec", "w1", "--", "sh", "-c", `echo one > f.txt && printf '#!/bin/sh\\ncat ${w1.ctx.dir}/f.txt\\n' > mine.sh && chmod +x mine.sh`], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["create", "w2", "--from", "w1"], { cwd: dir })).exitCode).toBe(0);
    writeFileSync(join(workspaceDir(dir, "w2"), "f.txt"), "two\n");
    expect((await rig(["exec", "w2", "--", "./mine.sh"], { cwd: dir })).stdout).toBe("two\n");
    expect((await rig(["exec", "w2", "--", "./run.sh"], { cwd: dir })).stdout).toBe("two\n");
    expect(readFileSync(join(w1.ctx.dir, "f.txt"), "utf8")).toBe("one\n");
  }, SLOW);

  test("a virtualenv made in the base: python, editable installs and pip install act on the workspace", async () => {
    expect(isolated, "needs root or bubblewrap (bwrap) for a mount namespace").toBe(true);
    expect(Bun.spawnSync(["python3", "-c", "import venv, ensurepip"]).exitCode, "needs python3 with venv (Debian: python3-venv)").toBe(0);
    // An editable install of pkg/: the .pth file pip's editable installs write, naming the
    // base's source directory (written by hand: building one needs `wheel`, not offline here).
    const prepare = [
      "mkdir pkg && echo 'NAME = \"base\"' > pkg/__init__.py",
      "python3 -m venv .venv",
      `echo "$BASE" > "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/__editable__.pkg.pth"`,
    ].join(" && ");
    const dir = project({ "rigkit.config.ts": config(prepare) });
    const base = join(dir, ".rigkit", "base", "base");
    const w1 = await created(dir, "w1");
    const w2 = await created(dir, "w2");
    const where = await rig(["exec", "w2", "--", ".venv/bin/python", "-c", "import pkg; print(pkg.__file__)"], { cwd: dir });
    expect(where.exitCode).toBe(0);
    expect(where.stdout.trim()).toBe(join(w2.ctx.dir, "pkg", "__init__.py"));
    writeFileSync(join(w2.ctx.dir, "pkg", "__init__.py"), 'NAME = "w2"\n');
    // From elsewhere, through the base's interpreter path and the .pth naming the base: the
    // path is the base's, and what is there is w2's copy.
    const viaBase = (ws: string) => rig(["exec", ws, "--", "sh", "-c", `cd / && ${base}/.venv/bin/python -c 'import pkg; print(pkg.__file__, pkg.NAME)'`], { cwd: dir });
    expect((await viaBase("w2")).stdout).toBe(`${join(base, "pkg", "__init__.py")} w2\n`);
    expect((await viaBase("w1")).stdout).toBe(`${join(base, "pkg", "__init__.py")} base\n`);

    // pip install of a local wheel lands in w2 only.
    const wheel = join(tempHome(), "extra-0.1-py3-none-any.whl");
    Bun.spawnSync(["python3", "-c", WHEEL, wheel]);
    const pip = await rig(["exec", "w2", "--", ".venv/bin/pip", "install", "-q", "--no-index", wheel], { cwd: dir });
    expect(pip.exitCode, pip.stderr).toBe(0);
    expect((await rig(["exec", "w2", "--", ".venv/bin/python", "-c", "import extra; print(extra.X)"], { cwd: dir })).stdout).toBe("1\n");
    expect((await rig(["exec", "w1", "--", ".venv/bin/python", "-c", "import extra"], { cwd: dir })).exitCode).not.toBe(0);
    expect(Bun.spawnSync([join(base, ".venv/bin/python"), "-c", "import extra"], { stderr: "pipe" }).exitCode).not.toBe(0);
  }, 60_000);

  test("as an unprivileged user, bubblewrap gives the same view", async () => {
    expect(process.getuid?.() === 0 && Bun.which("bwrap") !== null && Bun.which("su") !== null, "needs root (to run rig as nobody), su and bubblewrap (bwrap)").toBe(true);
    const dir = project({ "rigkit.config.ts": config(SCRIPT) });
    const home = tempDir("rigkit-nobody-");
    Bun.spawnSync(["chown", "-R", "nobody", dir, home]);
    const asNobody = (command: string) =>
      Bun.spawnSync(["su", "nobody", "-s", "/bin/sh", "-c", `cd ${dir} && ${command}`], {
        env: { PATH: process.env.PATH, HOME: home, RIGKIT_HOME: home, NO_COLOR: "1" },
        stdout: "pipe",
        stderr: "pipe",
      });
    const made = asNobody(`${RIG} create w1 w2`);
    expect(made.exitCode, made.stderr.toString()).toBe(0);
    const root = join(home, "workspaces", projectId(dir));
    writeFileSync(join(root, "w1", "f.txt"), "one\n");
    const r = asNobody(`${RIG} exec w1 -- sh -c './run.sh; id -u; ls ${root}; echo x > ${dir}/poked'`);
    expect(r.stdout.toString()).toBe("one\n65534\nw1\n");
    expect(r.stderr.toString()).toContain("Read-only file system");
    expect(readFileSync(join(root, "w1", "log.txt"), "utf8")).toBe("wrote\n");
    expect(existsSync(join(dir, ".rigkit", "base", "base", "log.txt"))).toBe(false);
    expect(existsSync(join(root, "w2", "log.txt"))).toBe(false);
  }, SLOW);

  test("where no namespace is possible, create refuses a base whose files name it, saying which and what to do", async () => {
    const env = { RIGKIT_LOCAL_ISOLATION: "never" };
    const dir = project({ "rigkit.config.ts": config(`${SCRIPT} && ln -s "$BASE/f.txt" abs-link && ln -s f.txt rel-link`) });
    const r = await rig(["create", "w1"], { cwd: dir, env });
    expect(r.exitCode).toBe(1);
    const message = r.stderr.split("\n").find((l) => l.includes("absolute paths")) ?? "";
    expect(message).toContain("abs-link, run.sh");
    expect(message).not.toContain("rel-link");
    expect(message).toContain("bubblewrap");
    expect(existsSync(workspaceDir(dir, "w1"))).toBe(false);
    expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces).toEqual([]);

    // A base that names nothing of itself is fine, and its commands run as they are.
    writeFileSync(join(dir, "rigkit.config.ts"), config("echo base > f.txt && printf '#!/bin/sh\\ncat f.txt\\n' > run.sh && chmod +x run.sh"));
    await created(dir, "w2", env);
    expect((await rig(["exec", "w2", "--", "./run.sh"], { cwd: dir, env })).stdout).toBe("base\n");
  }, SLOW);
});

test("a workspace made before (under .rigkit/workspaces) still runs commands and is removed; one without this project's marker is refused", async () => {
  const dir = project({ "rigkit.config.ts": config("echo base > f.txt") });
  const ws = await created(dir, "old");
  // Move it where an older rig put it, as that rig recorded it (no isolation).
  const legacy = join(realpathSync(dir), ".rigkit", "workspaces", "old");
  mkdirSync(join(dir, ".rigkit", "workspaces"), { mode: 0o700 });
  renameSync(ws.ctx.dir, legacy);
  renameSync(join(workspaceDir(dir), ".old.rigkit-owner"), join(dir, ".rigkit", "workspaces", ".old.rigkit-owner"));
  const db = new Database(join(dir, ".rigkit", "state.sqlite"));
  db.run("UPDATE workspaces SET ctx = ? WHERE name = 'old'", [JSON.stringify({ dir: legacy, method: "copy" })]);
  db.run("UPDATE workspace_resources SET id = ?, data = ? WHERE workspace = 'old'", [legacy, JSON.stringify({ kind: "dir", id: legacy, dir: legacy, access: { cwd: legacy } })]);
  db.close();
  expect((await rig(["ls", "--json"], { cwd: dir })).json().workspaces[0]).toMatchObject({ status: "ready", ctx: { dir: legacy } });
  expect((await rig(["exec", "old", "--", "cat", "f.txt"], { cwd: dir })).stdout).toBe("base\n");
  expect((await rig(["gc", "--dry-run", "--json"], { cwd: dir })).json().orphans).toEqual([]);
  expect((await rig(["rm", "old", "--yes"], { cwd: dir })).exitCode).toBe(0);
  expect(existsSync(legacy)).toBe(false);

  // A directory in the new place without this project's marker is never removed.
  const other = await created(dir, "other");
  writeFileSync(join(workspaceDir(dir), ".other.rigkit-owner"), JSON.stringify({ rigkit: 1, project: "someone-else", dir: "/elsewhere" }));
  const rm = await rig(["rm", "other", "--yes"], { cwd: dir });
  expect(rm.exitCode).toBe(1);
  expect(rm.stderr).toContain("not made by rig for this project");
  expect(existsSync(other.ctx.dir)).toBe(true);
}, SLOW);

/** A tiny wheel (a zip with one module and its metadata), built with the standard library. */
const WHEEL = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("extra.py", "X = 1\\n")
    z.writestr("extra-0.1.dist-info/METADATA", "Metadata-Version: 2.1\\nName: extra\\nVersion: 0.1\\n")
    z.writestr("extra-0.1.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr("extra-0.1.dist-info/RECORD", "")
`;

const tempHome = () => tempDir("rigkit-home-");

function projectId(dir: string): string {
  const db = new Database(join(dir, ".rigkit", "state.sqlite"), { readonly: true });
  const id = (db.query("SELECT value FROM meta WHERE key = 'project_id'").get() as { value: string }).value;
  db.close();
  return id;
}
