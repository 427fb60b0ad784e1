/**
 * `rig diff` and `rig merge` on a git project, for local, Docker and ssh workspaces: a new
 * file, an edit, a deletion, a binary file; the project's HEAD, index and working tree are
 * never touched by `merge`.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { project, rig, tempDir } from "../helpers.ts";
import { services } from "../services.ts";

setDefaultTimeout(90_000);

const sh = (cwd: string, ...argv: string[]) => {
  const r = Bun.spawnSync(argv, { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
};
const gitIn = (cwd: string, ...args: string[]) => sh(cwd, "git", ...args);

/** A git project with src/a.txt ("one") and b.txt ("keep") committed, and `config`. */
function gitProject(config: string): string {
  const dir = project({ "rigkit.config.ts": config, "src/a.txt": "one\n", "b.txt": "keep\n", ".gitignore": ".rigkit/\n.rigkit-home/\n" });
  gitIn(dir, "init", "-q", "-b", "main");
  gitIn(dir, "config", "user.email", "dev@example.com");
  gitIn(dir, "config", "user.name", "Dev");
  gitIn(dir, "add", "-A");
  gitIn(dir, "commit", "-qm", "init");
  return dir;
}

/** What merge must leave alone: HEAD, the index file's bytes, the working tree's status. */
const untouched = (dir: string) => ({
  head: gitIn(dir, "rev-parse", "HEAD"),
  symbolic: gitIn(dir, "symbolic-ref", "HEAD"),
  index: readFileSync(join(dir, ".git", "index")).toString("base64"),
  status: gitIn(dir, "status", "--porcelain", "--untracked-files=all"),
});

/** The four kinds of change, made inside the workspace through `rig exec`. */
const CHANGE = "echo two >> src/a.txt && rm b.txt && echo hi > new.txt && printf '\\000\\001\\002bin' > new.bin";

async function expectDiff(dir: string, ws: string, env?: Record<string, string | undefined>) {
  const diff = await rig(["diff", ws, "--json"], { cwd: dir, env });
  expect(diff.exitCode).toBe(0);
  const files = Object.fromEntries(diff.json().files.map((f: any) => [f.path, f]));
  expect(files["src/a.txt"]).toMatchObject({ status: "modified", additions: 1, deletions: 0, binary: false });
  expect(files["b.txt"]).toMatchObject({ status: "deleted", deletions: 1 });
  expect(files["new.txt"]).toMatchObject({ status: "added", additions: 1 });
  expect(files["new.bin"]).toMatchObject({ status: "added", binary: true, additions: null });
  expect(Object.keys(files).sort()).toEqual(["b.txt", "new.bin", "new.txt", "src/a.txt"]);
  expect(diff.json().patch).toContain("GIT binary patch");
  // The plain patch applies to the project's files as they were.
  const text = await rig(["diff", ws], { cwd: dir, env });
  const copy = tempDir();
  gitIn(copy, "clone", "-q", dir, "c");
  const apply = Bun.spawnSync(["git", "apply", "--binary", "-"], { cwd: join(copy, "c"), stdin: new TextEncoder().encode(text.stdout) });
  expect(apply.exitCode).toBe(0);
  expect(readFileSync(join(copy, "c", "new.bin"))).toEqual(Buffer.from([0, 1, 2, 98, 105, 110]));
  const stat = await rig(["diff", ws, "--stat"], { cwd: dir, env });
  expect(stat.stdout).toContain("4 files changed");
}

async function expectMerged(dir: string, ws: string, env?: Record<string, string | undefined>, commits = 1) {
  const before = untouched(dir);
  const merged = await rig(["merge", ws, "--json"], { cwd: dir, env });
  expect(merged.exitCode).toBe(0);
  expect(merged.json()).toMatchObject({ workspace: ws, branch: `rig/${ws}`, base: before.head.trim(), commits });
  expect(untouched(dir)).toEqual(before);
  const branch = `rig/${ws}`;
  expect(gitIn(dir, "show", `${branch}:src/a.txt`)).toBe("one\ntwo\n");
  expect(gitIn(dir, "show", `${branch}:new.txt`)).toBe("hi\n");
  expect(gitIn(dir, "ls-tree", "--name-only", branch)).not.toContain("b.txt");
  expect(Buffer.from(Bun.spawnSync(["git", "show", `${branch}:new.bin`], { cwd: dir }).stdout)).toEqual(Buffer.from([0, 1, 2, 98, 105, 110]));
  return merged.json();
}

const LOCAL = `import { workflow, local } from "rigkit";
export default workflow("app")
  .addProvider("local", local())
  .task("base", async ({ providers }) => {
    const dir = providers.local.prepareDir("repo", { fresh: true });
    await providers.local.exec(process.env.RIG_BASE === "files" ? ["sh", "-c", \`cp -r src b.txt \${dir}/\`] : ["git", "clone", "-q", process.cwd(), dir]);
    return { ctx: { base: providers.local.dirRef(dir) } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  });
`;

describe("diff and merge: local", () => {
  test("a git workspace: diff, then merge keeps its commits and never touches the project's HEAD, index or working tree", async () => {
    const dir = gitProject(LOCAL);
    expect((await rig(["create", "w1"], { cwd: dir })).exitCode).toBe(0);
    // Nothing changed yet.
    expect((await rig(["diff", "w1", "--json"], { cwd: dir })).json().files).toEqual([]);
    expect((await rig(["exec", "w1", "--", "sh", "-c", CHANGE], { cwd: dir })).exitCode).toBe(0);
    await expectDiff(dir, "w1");
    // Uncommitted work in the project's own tree stays as it is.
    writeFileSync(join(dir, "b.txt"), "local edit\n");
    gitIn(dir, "add", "b.txt");
    writeFileSync(join(dir, "untracked.txt"), "x\n");
    await expectMerged(dir, "w1");
    expect(readFileSync(join(dir, "b.txt"), "utf8")).toBe("local edit\n");
    // A commit made in the workspace is kept on the branch, under the uncommitted rest.
    expect((await rig(["exec", "w1", "--", "sh", "-c", "git add new.txt && git -c user.name=a -c user.email=a@b commit -qm 'add new.txt' && echo three >> src/a.txt"], { cwd: dir })).exitCode).toBe(0);
    const again = await rig(["merge", "w1", "--json"], { cwd: dir });
    expect(again.exitCode).toBe(0);
    expect(again.json().commits).toBe(2);
    expect(gitIn(dir, "log", "--format=%s", "rig/w1", "-2")).toBe("rig: uncommitted changes of workspace w1\nadd new.txt\n");
    expect(gitIn(dir, "show", "rig/w1:src/a.txt")).toBe("one\ntwo\nthree\n");
  });

  test("a workspace of plain files is compared with its base; --patch prints, conflicts and non-repositories are one-line errors", async () => {
    const dir = gitProject(LOCAL);
    const env = { RIG_BASE: "files" };
    expect((await rig(["create", "w2"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["exec", "w2", "--", "sh", "-c", CHANGE], { cwd: dir, env })).exitCode).toBe(0);
    await expectDiff(dir, "w2", env);
    expect((await rig(["diff", "w2", "--json"], { cwd: dir, env })).json().base).toEqual({ kind: "files" });
    const patch = await rig(["merge", "w2", "--patch"], { cwd: dir, env });
    expect(patch.exitCode).toBe(0);
    expect(patch.stdout).toContain("+two");
    await expectMerged(dir, "w2", env);
    // The project moved on under the workspace: the same changes no longer apply.
    writeFileSync(join(dir, "src", "a.txt"), "changed upstream\n");
    gitIn(dir, "commit", "-qam", "upstream");
    gitIn(dir, "branch", "-D", "rig/w2");
    const conflict = await rig(["merge", "w2", "--json"], { cwd: dir, env });
    expect(conflict.exitCode).toBe(1);
    expect(conflict.error().code).toBe("MERGE_CONFLICT");
    expect(conflict.stdout).toBe("");
    expect(gitIn(dir, "branch", "--list", "rig/w2")).toBe("");
    // Not a git repository: exit 2, a clear line.
    rmSync(join(dir, ".git"), { recursive: true, force: true });
    const none = await rig(["merge", "w2"], { cwd: dir, env });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain("is not in a git repository");
    // diff still works without a repository.
    expect((await rig(["diff", "w2", "--stat"], { cwd: dir, env })).exitCode).toBe(0);
  });

  test("a workspace's own git config and hooks are never run", async () => {
    const dir = gitProject(LOCAL);
    expect((await rig(["create", "w3"], { cwd: dir })).exitCode).toBe(0);
    const pwned = join(tempDir(), "pwned");
    const evil = `git config core.fsmonitor 'touch ${pwned}' && git config filter.x.clean 'touch ${pwned}; cat' && echo '* filter=x' > .gitattributes && echo changed > b.txt`;
    expect((await rig(["exec", "w3", "--", "sh", "-c", evil], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["diff", "w3", "--stat"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["merge", "w3"], { cwd: dir })).exitCode).toBe(0);
    expect(await Bun.file(pwned).exists()).toBe(false);
  });
});


describe("diff and merge: a provider without exportFiles", () => {
  test("a git workspace is read through the access recipe it recorded for rig exec", async () => {
    const config = `import { defineProvider, workflow, local } from "rigkit";
import { cpSync, mkdirSync } from "node:fs";
const plain = defineProvider({
  id: "plain",
  create: ({ project }) => ({
    runtime: (ctx) => ({
      make(from) {
        const dir = project.stateDir + "/plain-" + ctx.workspace.name;
        // Reached only through a command, as a remote machine would be.
        ctx.workspace.claim({ kind: "dir", id: dir, access: { argv: ["sh", "-c", 'cd "$0" && exec "$@"', dir] } });
        cpSync(from, dir, { recursive: true });
        return { dir };
      },
    }),
  }),
});
export default workflow("p")
  .addProvider("local", local())
  .addProvider("plain", plain())
  .task("base", async ({ providers }) => {
    const dir = providers.local.prepareDir("repo", { fresh: true });
    await providers.local.exec(["git", "clone", "-q", process.cwd(), dir]);
    return { ctx: { base: dir } };
  })
  .workspace({ create: async ({ workflow, providers }) => providers.plain.make(workflow.ctx.base), remove: async () => {} });
`;
    const dir = gitProject(config);
    expect((await rig(["create", "p1"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["exec", "p1", "--", "sh", "-c", CHANGE], { cwd: dir })).exitCode).toBe(0);
    await expectDiff(dir, "p1");
    await expectMerged(dir, "p1");
  });
});

const dockerSvc = services("docker");

describe.if(dockerSvc !== null)("diff and merge: docker", () => {
  const env = { RIGKIT_TEST_DOCKER_HOST: dockerSvc?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: dockerSvc?.dockerImage };
  const config = `import { workflow, docker, env } from "rigkit";
export default workflow("d")
  .addProvider("docker", docker({ host: env("RIGKIT_TEST_DOCKER_HOST"), network: "none" }))
  .task("image", async ({ providers }) => ({ ctx: { image: await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async (c) => {
    await c.exec("mkdir -p /work/src && echo one > /work/src/a.txt && echo keep > /work/b.txt");
  }) } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image, workdir: "/work" }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  });
`;

  test("a container's working directory against its image; merge onto the project's HEAD", async () => {
    const dir = gitProject(config);
    expect((await rig(["create", "c1"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["diff", "c1", "--json"], { cwd: dir, env })).json().files).toEqual([]);
    expect((await rig(["exec", "c1", "--", "sh", "-c", CHANGE], { cwd: dir, env })).exitCode).toBe(0);
    await expectDiff(dir, "c1", env);
    await expectMerged(dir, "c1", env);
    // A stopped container still shows its changes.
    expect((await rig(["stop", "c1"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["diff", "c1", "--stat"], { cwd: dir, env })).stdout).toContain("4 files changed");
    expect((await rig(["rm", "c1", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  });
});

const sshSvc = services("ssh");

describe.if(sshSvc !== null)("diff and merge: ssh", () => {
  const env = { RIGKIT_TEST_SSH_CONFIG: sshSvc?.sshConfig };
  test("a remote git checkout: diff and merge with its commits", async () => {
    const roots = tempDir("rigkit-remote-");
    const config = `import { workflow, ssh, env } from "rigkit";
export default workflow("s")
  .addProvider("ssh", ssh({ configFile: env("RIGKIT_TEST_SSH_CONFIG"), hosts: [{ host: "rig-a", root: ${JSON.stringify(join(roots, "a"))} }] }))
  .task("base", async ({ providers }) => {
    const base = await providers.ssh.prepareDir("repo", { fresh: true });
    await providers.ssh.run(\`git clone -q \${process.cwd()} .\`, { cwd: base });
    return { ctx: { base } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx),
  });
`;
    const dir = gitProject(config);
    expect((await rig(["create", "r1"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["exec", "r1", "--", "sh", "-c", CHANGE], { cwd: dir, env })).exitCode).toBe(0);
    await expectDiff(dir, "r1", env);
    await expectMerged(dir, "r1", env);
    expect((await rig(["rm", "r1", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
  });
});

const lxdSvc = services("lxd");

describe.if(lxdSvc !== null)("diff and merge: lxd", () => {
  const env = { RIGKIT_TEST_LXD_REMOTE: `unix://${lxdSvc?.lxd.socket}`, RIGKIT_TEST_LXD_IMAGE: lxdSvc?.lxd.image };
  const config = `import { workflow, lxd, env } from "rigkit";
export default workflow("x")
  .addProvider("lxd", lxd({ remote: env("RIGKIT_TEST_LXD_REMOTE") }))
  .task("base", async ({ providers }) => ({ ctx: { base: await providers.lxd.build({ from: process.env.RIGKIT_TEST_LXD_IMAGE! }, async (c) => {
    await c.exec("mkdir -p /work/src && echo one > /work/src/a.txt && echo keep > /work/b.txt");
  }) } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.lxd.createWorkspace({ from: workflow.ctx.base, workdir: "/work" }),
    remove: async ({ workspace, providers }) => providers.lxd.removeWorkspace(workspace.ctx.instance),
  });
`;
  const lxc = (...args: string[]) => Bun.spawnSync(["lxc", ...args], { env: { ...process.env, LXD_DIR: lxdSvc?.lxd.dirs[0] }, stdout: "pipe" }).stdout.toString();
  const exportsOf = (dir: string) =>
    (JSON.parse(lxc("list", "--format", "json") || "[]") as { config: Record<string, string> }[]).filter(
      (i) => i.config["user.rigkit.project.dir"] === dir && i.config["user.rigkit.kind"] === "export",
    );

  test("an instance's working directory against its base snapshot; a stopped one and a fork against what they were made from", async () => {
    const dir = gitProject(config);
    try {
      expect((await rig(["create", "l1"], { cwd: dir, env })).exitCode).toBe(0);
      expect((await rig(["diff", "l1", "--json"], { cwd: dir, env })).json().files).toEqual([]);
      expect((await rig(["exec", "l1", "--", "sh", "-c", CHANGE], { cwd: dir, env })).exitCode).toBe(0);
      await expectDiff(dir, "l1", env);
      await expectMerged(dir, "l1", env);
      // A fork is compared with what it was made from: l1's changes are not its own.
      expect((await rig(["create", "l2", "--from", "l1"], { cwd: dir, env })).exitCode).toBe(0);
      expect((await rig(["diff", "l2", "--json"], { cwd: dir, env })).json().files).toEqual([]);
      expect((await rig(["exec", "l2", "--", "sh", "-c", "echo more > more.txt"], { cwd: dir, env })).exitCode).toBe(0);
      expect((await rig(["diff", "l2", "--json"], { cwd: dir, env })).json().files.map((f: { path: string }) => f.path)).toEqual(["more.txt"]);
      // A stopped instance still shows its changes (read from a temporary copy, then deleted).
      expect((await rig(["stop", "l1"], { cwd: dir, env })).exitCode).toBe(0);
      expect((await rig(["diff", "l1", "--stat"], { cwd: dir, env })).stdout).toContain("4 files changed");
      expect(exportsOf(dir)).toEqual([]);
      expect((await rig(["rm", "--all", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    } finally {
      for (const i of JSON.parse(lxc("list", "--format", "json") || "[]") as { name: string; config: Record<string, string> }[]) {
        if (i.config["user.rigkit.project.dir"] === dir) lxc("delete", "-f", i.name);
      }
    }
  });
});
