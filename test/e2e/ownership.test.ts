/** Ownership (README "Ownership, status and recovery"): state-file identity, project ids that survive a lost state file, owner markers, safe deletion. */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { APPLICATION_ID, projectIdOf } from "../../src/state/store.ts";
import { project, rig, settledState, tempDir } from "../helpers.ts";
import { services } from "../services.ts";
import { APP_CONFIG, dockerWorkspaceConfig } from "./fixtures.ts";

const ssh = services("ssh");
const dockerSvc = services("docker");
const dockerEnv = { ...process.env, DOCKER_HOST: dockerSvc?.dockerHost };
const docker = (...args: string[]) => Bun.spawnSync(["docker", ...args], { env: dockerEnv, stdout: "pipe", stderr: "pipe" }).stdout.toString().trim();

/** Loses the state file, as a wiped checkout or a deleted `.rigkit/state.sqlite` would. */
const loseState = (dir: string) => {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(join(dir, ".rigkit", `state.sqlite${suffix}`), { force: true });
};

const sha = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

/** Scribbles over the third page of a settled state file (a table's b-tree page), keeping the header intact. */
function scribbleThirdPage(path: string): void {
  const bytes = readFileSync(path);
  const pageSize = bytes.readUInt16BE(16);
  expect(bytes.length / pageSize).toBeGreaterThan(4);
  bytes.fill(0xa5, pageSize * 2 + 8, pageSize * 3);
  writeFileSync(path, bytes);
}

describe("state files", () => {
  test("another application's SQLite file is refused and left byte-identical", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    const path = join(tempDir(), "notes.sqlite");
    const db = new Database(path, { create: true });
    db.run("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
    db.run("INSERT INTO notes (body) VALUES ('keep me')");
    db.close();
    const before = sha(path);
    for (const args of [["plan"], ["apply"], ["ls"], ["create", "x"], ["gc", "--yes"], ["log"]]) {
      const r = await rig([...args, "--state", path, "--json"], { cwd: dir });
      expect(r.exitCode).toBe(1);
      expect(r.error().code).toBe("STATE_ERROR");
      expect(r.error().message).toContain("is not a rigkit state file");
    }
    expect(sha(path)).toBe(before);
  });

  test("a state file with a damaged page is never written to", async () => {
    const { dir, path } = await settledState(APP_CONFIG);
    scribbleThirdPage(path);
    const before = sha(path);
    for (const args of [["plan"], ["apply"], ["create", "x"], ["rm", "--all", "--yes"]]) {
      const r = await rig([...args, "--json"], { cwd: dir });
      expect(r.exitCode).toBe(1);
      expect(r.error().code).toBe("STATE_ERROR");
    }
    expect(sha(path)).toBe(before);
  });

  test("a file that passed quick_check is checked again once it changes (the -checked stamp)", async () => {
    const { dir, path } = await settledState(APP_CONFIG);
    // Unchanged for a while: the next open checks it and stamps it; the one after trusts the stamp.
    const past = new Date(Date.now() - 60_000);
    utimesSync(path, past, past);
    expect((await rig(["plan", "--json"], { cwd: dir })).exitCode).toBe(0);
    expect(existsSync(`${path}-checked`)).toBe(true);
    expect((await rig(["plan", "--json"], { cwd: dir })).exitCode).toBe(0);
    // Damaged afterwards (and dated in the past, so only the stamp can tell): its stat
    // changed, so it is checked again and refused, untouched.
    scribbleThirdPage(path);
    const later = new Date(Date.now() - 30_000);
    utimesSync(path, later, later);
    const before = sha(path);
    for (const args of [["plan"], ["apply"]]) {
      const r = await rig([...args, "--json"], { cwd: dir });
      expect(r.exitCode).toBe(1);
      expect(r.error().code).toBe("STATE_ERROR");
    }
    expect(sha(path)).toBe(before);
  });

  test("new state files carry rig's application id and a project id derived from the project directory", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    const db = new Database(join(dir, ".rigkit", "state.sqlite"), { readonly: true });
    expect((db.query("PRAGMA application_id").get() as { application_id: number }).application_id).toBe(APPLICATION_ID);
    const meta = Object.fromEntries((db.query("SELECT key, value FROM meta").all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    db.close();
    expect(meta.project_dir).toBe(realpathSync(dir));
    expect(meta.project_id).toBe(projectIdOf(realpathSync(dir)));
    // Lost state: the same directory gets the same id back.
    rmSync(join(dir, ".rigkit", "state.sqlite"));
    rmSync(join(dir, ".rigkit", "state.sqlite-wal"), { force: true });
    rmSync(join(dir, ".rigkit", "state.sqlite-shm"), { force: true });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    const again = new Database(join(dir, ".rigkit", "state.sqlite"), { readonly: true });
    expect(again.query("SELECT value FROM meta WHERE key = 'project_id'").get()).toEqual({ value: meta.project_id });
    again.close();
  });
});

describe("local ownership", () => {
  test("gc leaves a marker-less directory alone and finds a lost state file's workspaces by marker", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
    const stray = join(dir, ".rigkit", "workspaces", "mine");
    mkdirSync(stray);
    writeFileSync(join(stray, "keep.txt"), "not rig's");
    // A symlink with a forged marker naming this project is not followed either.
    const target = tempDir();
    writeFileSync(join(target, "precious.txt"), "keep");
    symlinkSync(target, join(dir, ".rigkit", "workspaces", "linked"));
    const forged = JSON.parse(readFileSync(join(dir, ".rigkit", "workspaces", ".ws1.rigkit-owner"), "utf8"));
    writeFileSync(join(dir, ".rigkit", "workspaces", ".linked.rigkit-owner"), JSON.stringify({ ...forged, workspace: "linked" }));
    const dry = await rig(["gc", "--dry-run", "--json"], { cwd: dir });
    expect(dry.json().orphans).toEqual([]);

    loseState(dir);
    const after = await rig(["gc", "--yes", "--json"], { cwd: dir });
    expect(after.exitCode).toBe(0);
    expect(after.json().orphans.map((o: { id: string }) => o.id)).toEqual([join(dir, ".rigkit", "workspaces", "ws1")]);
    expect(existsSync(join(dir, ".rigkit", "workspaces", "ws1"))).toBe(false);
    expect(readFileSync(join(stray, "keep.txt"), "utf8")).toBe("not rig's");
    expect(readFileSync(join(target, "precious.txt"), "utf8")).toBe("keep");
  });

  test("a symlinked .rigkit/workspaces is never followed: gc, create and rm leave its files alone", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    const elsewhere = tempDir();
    mkdirSync(join(elsewhere, "ws1"));
    writeFileSync(join(elsewhere, "ws1", "precious.txt"), "keep");
    writeFileSync(join(elsewhere, ".ws1.rigkit-owner"), JSON.stringify({ rigkit: 1, project: "someone-else", dir: "/elsewhere" }));
    writeFileSync(join(elsewhere, "notes.txt"), "keep too");
    symlinkSync(elsewhere, join(dir, ".rigkit", "workspaces"));
    const gc = await rig(["gc", "--yes", "--json"], { cwd: dir });
    expect(gc.exitCode).toBe(0);
    expect(gc.json().orphans).toEqual([]); // not looked into
    const create = await rig(["create", "ws2", "--json"], { cwd: dir });
    expect(create.exitCode).toBe(1);
    expect(create.error().message).toContain("symlink");
    expect(readdirSync(elsewhere).sort()).toEqual([".ws1.rigkit-owner", "notes.txt", "ws1"]);
    expect(readFileSync(join(elsewhere, "ws1", "precious.txt"), "utf8")).toBe("keep");
  });

  test("prepareDir({ fresh }) refuses to empty a directory without this project's marker", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    mkdirSync(join(dir, ".rigkit", "base", "base"), { recursive: true });
    writeFileSync(join(dir, ".rigkit", "base", "base", "data.txt"), "someone's");
    const apply = await rig(["apply", "--json"], { cwd: dir });
    expect(apply.exitCode).toBe(1);
    expect(apply.error().message).toContain("not made by rig for this project");
    expect(readFileSync(join(dir, ".rigkit", "base", "base", "data.txt"), "utf8")).toBe("someone's");
  });
});

const SSH_CONFIG = (root: string) => `import { workflow, ssh, env } from "rigkit";
export default workflow("s")
  .addProvider("ssh", ssh({ configFile: env("RIGKIT_TEST_SSH_CONFIG"), connectTimeout: 2, hosts: [{ host: "rig-a", root: ${JSON.stringify(root)} }] }))
  .task("base", async ({ providers }) => {
    const base = await providers.ssh.prepareDir("app", { fresh: true });
    await providers.ssh.run("echo prepared > marker", { cwd: base });
    return { ctx: { base } };
  })
  .workspace({
    create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx),
  });
`;

describe.if(ssh !== null)("ssh ownership", () => {
  const env = { RIGKIT_TEST_SSH_CONFIG: ssh?.sshConfig };

  test("two projects sharing a host and a root never touch each other's workspaces or bases", async () => {
    const root = join(tempDir("rigkit-remote-"), "shared");
    const one = project({ "rigkit.config.ts": SSH_CONFIG(root) });
    const two = project({ "rigkit.config.ts": SSH_CONFIG(root) });
    for (const dir of [one, two]) expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    const p1 = (await rig(["create", "p1ws", "--json"], { cwd: one, env })).json().workspaces[0].ctx.dir as string;
    const p2 = (await rig(["create", "p2ws", "--json"], { cwd: two, env })).json().workspaces[0].ctx.dir as string;
    expect(p1.startsWith(join(root, projectIdOf(realpathSync(one))))).toBe(true);
    for (const dir of [one, two]) {
      const gc = await rig(["gc", "--yes", "--json"], { cwd: dir, env });
      expect(gc.exitCode).toBe(0);
      expect(gc.json().orphans).toEqual([]);
      const doctor = (await rig(["doctor", "--json"], { cwd: dir, env })).json();
      expect(doctor.checks.find((c: { name: string }) => c.name === "orphans").ok).toBe(true);
    }
    // Re-preparing one project's base (fresh) leaves the other's alone.
    expect((await rig(["cache", "s", "invalidate", "--all", "--yes"], { cwd: two, env })).exitCode).toBe(0);
    expect((await rig(["apply"], { cwd: two, env })).exitCode).toBe(0);
    expect(existsSync(join(p1, "marker"))).toBe(true);
    expect(existsSync(join(p2, "marker"))).toBe(true);
    // Both keep working.
    for (const [dir, ws] of [[one, "p1ws"], [two, "p2ws"]] as const) expect((await rig(["rm", ws, "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(existsSync(p1) || existsSync(p2)).toBe(false);
  }, 60_000);

  test("a lost state file: gc at the same path finds and removes the remote workspace; a marker-less directory stays", async () => {
    const root = join(tempDir("rigkit-remote-"), "r");
    const dir = project({ "rigkit.config.ts": SSH_CONFIG(root) });
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    const ws = (await rig(["create", "w1", "--json"], { cwd: dir, env })).json().workspaces[0].ctx.dir as string;
    const stray = join(ws, "..", "stray");
    mkdirSync(stray);
    // A symlink with a forged marker naming this project: never listed, never followed.
    const target = tempDir();
    writeFileSync(join(target, "precious.txt"), "keep");
    symlinkSync(target, join(ws, "..", "linked"));
    writeFileSync(join(ws, "..", ".linked.rigkit-owner"), readFileSync(join(ws, "..", ".w1.rigkit-owner")));
    loseState(dir);
    const gc = await rig(["gc", "--yes", "--json"], { cwd: dir, env });
    expect(gc.exitCode).toBe(0);
    expect(gc.json().orphans.map((o: { id: string }) => o.id)).toEqual([`rig-a:${ws}`]);
    expect(existsSync(ws)).toBe(false);
    expect(existsSync(stray)).toBe(true);
    expect(readFileSync(join(target, "precious.txt"), "utf8")).toBe("keep");
  }, 60_000);
});

describe.if(ssh !== null)("ssh layouts from before owner markers", () => {
  test("a recorded workspace in the old layout is still removed by rm; a directory marked by another project is refused", async () => {
    const root = join(tempDir("rigkit-remote-"), "r");
    const dir = project({ "rigkit.config.ts": SSH_CONFIG(root) });
    const env = { RIGKIT_TEST_SSH_CONFIG: ssh?.sshConfig };
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    const old = join(root, "workspaces", "old");
    const theirs = join(root, projectIdOf(realpathSync(dir)), "workspaces", "theirs");
    mkdirSync(old, { recursive: true });
    mkdirSync(theirs, { recursive: true });
    writeFileSync(join(theirs, "..", ".theirs.rigkit-owner"), JSON.stringify({ rigkit: 1, project: "another", dir: "/elsewhere" }));
    const db = new Database(join(dir, ".rigkit", "state.sqlite"));
    for (const [name, path] of [["old", old], ["theirs", theirs]] as const) {
      db.query("INSERT INTO workspaces (workflow, name, status, ctx, created_at, updated_at) VALUES ('s', ?, 'ready', ?, 0, 0)").run(name, JSON.stringify({ host: "rig-a", dir: path }));
    }
    db.close();
    expect((await rig(["rm", "old", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(existsSync(old)).toBe(false);
    const refused = await rig(["rm", "theirs", "--yes"], { cwd: dir, env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("not made by rig for this project");
    expect(existsSync(theirs)).toBe(true);
  }, 60_000);
});

const DOCKER_CONFIG = dockerWorkspaceConfig();

// Through the Engine API over the socket (the default for a local engine) and through the CLI alone.
for (const api of [true, false]) describe.if(dockerSvc !== null)(`docker ownership${api ? "" : " (RIGKIT_DOCKER_API=0: the CLI alone)"}`, () => {
  const env = { RIGKIT_TEST_DOCKER_HOST: dockerSvc?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: dockerSvc?.dockerImage, RIGKIT_DOCKER_API: api ? "1" : "0" };

  test("rm refuses a container that is not labelled as this project's", async () => {
    const dir = project({ "rigkit.config.ts": DOCKER_CONFIG });
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    const name = `someone-else-${Date.now()}`;
    docker("run", "-d", "--network", "none", "--name", name, "--label", "rigkit.project=another", dockerSvc?.dockerImage as string, "sleep", "600");
    try {
      const db = new Database(join(dir, ".rigkit", "state.sqlite"));
      db.query("INSERT INTO workspaces (workflow, name, status, ctx, created_at, updated_at) VALUES ('d', 'theirs', 'ready', ?, 0, 0)").run(JSON.stringify({ container: name }));
      db.close();
      const rm = await rig(["rm", "theirs", "--yes"], { cwd: dir, env });
      expect(rm.exitCode).toBe(1);
      expect(rm.stderr).toContain("it is not labelled as this project's");
      expect(docker("ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.Names}}")).toBe(name);
      expect((await rig(["gc", "--dry-run", "--json"], { cwd: dir, env })).json().orphans).toEqual([]);
    } finally {
      docker("rm", "-f", name);
    }
  }, 60_000);

  test("containers carry the project id and directory; a lost state file's containers are found by gc", async () => {
    const dir = project({ "rigkit.config.ts": DOCKER_CONFIG });
    expect((await rig(["apply"], { cwd: dir, env })).exitCode).toBe(0);
    const container = (await rig(["create", "ws1", "--json"], { cwd: dir, env })).json().workspaces[0].ctx.container as string;
    const labels = docker("inspect", "--format", '{{index .Config.Labels "rigkit.project"}} {{index .Config.Labels "rigkit.project.dir"}} {{index .Config.Labels "rigkit.workflow"}} {{index .Config.Labels "rigkit.workspace"}} {{index .Config.Labels "rigkit.kind"}}', container);
    expect(labels).toBe(`${projectIdOf(realpathSync(dir))} ${realpathSync(dir)} d ws1 workspace`);
    loseState(dir);
    const gc = await rig(["gc", "--yes", "--json"], { cwd: dir, env });
    expect(gc.exitCode).toBe(0);
    expect(gc.json().orphans.map((o: { id: string }) => o.id)).toContain(`container ${container}`);
    expect(docker("ps", "-a", "--filter", `name=^${container}$`, "--format", "{{.Names}}")).toBe("");
  }, 60_000);
});

describe("workspaces of a workflow the config no longer defines", () => {
  const FLAKY = `
  .workspace({
    create: async ({ workflow, providers }) => providers.local.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => {
      if (workspace.name === "bad") throw new Error("remove hook exploded");
      await providers.local.removeWorkspace(workspace.ctx.dir);
    },
  })`;
  const config = (name: string) =>
    APP_CONFIG.replace('workflow("app")', `workflow(${JSON.stringify(name)})`).replace(/\.workspace\(\{[\s\S]*?\n  \}\)/, FLAKY);

  test("rm --force destroys what its providers recorded; rm --all goes on past failures and reports each", async () => {
    const dir = project({ "rigkit.config.ts": config("app") });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["create", "old1", "old2"], { cwd: dir })).exitCode).toBe(0);
    const ws = (name: string) => join(dir, ".rigkit", "workspaces", name);
    writeFileSync(join(dir, "rigkit.config.ts"), config("renamed"));
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    expect((await rig(["create", "good", "bad"], { cwd: dir })).exitCode).toBe(0);

    const plain = await rig(["rm", "old1", "--yes", "--json"], { cwd: dir });
    expect(plain.exitCode).toBe(2);
    expect(plain.error().message).toContain('workflow "app", which the config no longer defines');
    expect(existsSync(ws("old1"))).toBe(true);

    const forced = await rig(["rm", "old1", "--force", "--yes", "--json"], { cwd: dir });
    expect(forced.exitCode).toBe(0);
    expect(forced.json()).toEqual({ removed: ["old1"] });
    expect(existsSync(ws("old1"))).toBe(false);

    // --all without --force: old2 (workflow gone) and bad (hook throws) fail, good goes.
    const all = await rig(["rm", "--all", "--yes"], { cwd: dir });
    expect(all.exitCode).toBe(1);
    expect(all.stdout).toBe("");
    expect(all.stderr).toContain("✓ Removed good");
    expect(all.stderr).toContain("Could not remove 2 of 3 workspaces: old2, bad");
    expect(all.stderr).toMatch(/old2: Workspace old2 belongs to workflow "app", which the config no longer defines/);
    expect(all.stderr).toMatch(/bad: Removing workspace bad failed: remove hook exploded/);
    expect(existsSync(ws("good"))).toBe(false);
    expect(existsSync(ws("old2"))).toBe(true);
    const left = (await rig(["ls", "--json", "--cached"], { cwd: dir })).json().workspaces.map((w: { name: string }) => w.name).sort();
    expect(left).toEqual(["bad", "old2"]);

    const forcedAll = await rig(["rm", "--all", "--force", "--yes"], { cwd: dir });
    expect(forcedAll.exitCode).toBe(0);
    expect(existsSync(ws("old2"))).toBe(false);
    expect((await rig(["ls", "--json", "--cached"], { cwd: dir })).json().workspaces).toEqual([]);
  }, 60_000);
});

describe("artifacts no cached run uses", () => {
  test("local: cache clear says what it left; gc removes the unused prepared directory, never one in use", async () => {
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    const base = join(dir, ".rigkit", "base", "base");
    expect((await rig(["gc", "--dry-run", "--json"], { cwd: dir })).json().unused).toEqual([]);
    const clear = await rig(["cache", "app", "clear", "--yes"], { cwd: dir });
    expect(clear.exitCode).toBe(0);
    expect(clear.stdout).toContain("`rig gc` removes those no cached run uses");
    const dry = await rig(["gc", "--dry-run", "--json"], { cwd: dir });
    expect(dry.json().unused).toEqual([{ provider: "local", id: base }]);
    expect(existsSync(base)).toBe(true);
    expect((await rig(["gc", "--yes"], { cwd: dir })).exitCode).toBe(0);
    expect(existsSync(base)).toBe(false);
    expect(existsSync(join(dir, ".rigkit", "base", ".base.rigkit-owner"))).toBe(false);
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    expect(existsSync(join(base, "marker.txt"))).toBe(true);
  }, 30_000);
});

describe.if(dockerSvc !== null)("docker artifacts", () => {
  const env = { RIGKIT_TEST_DOCKER_HOST: dockerSvc?.dockerHost, RIGKIT_TEST_DOCKER_IMAGE: dockerSvc?.dockerImage };

  test("gc removes snapshot images no cached run references, keeps one a workspace uses", async () => {
    const dir = project({ "rigkit.config.ts": DOCKER_CONFIG });
    const first = (await rig(["apply", "--json"], { cwd: dir, env })).json().ctx.image;
    expect((await rig(["create", "ws1"], { cwd: dir, env })).exitCode).toBe(0);
    expect((await rig(["cache", "d", "clear", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    const second = (await rig(["apply", "--json"], { cwd: dir, env })).json().ctx.image;
    expect(second.id).not.toBe(first.id);
    // The first image is still used by ws1's container: not listed.
    expect((await rig(["gc", "--dry-run", "--json"], { cwd: dir, env })).json().unused).toEqual([]);
    expect((await rig(["rm", "ws1", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    const dry = (await rig(["gc", "--dry-run", "--json"], { cwd: dir, env })).json();
    expect(dry.unused).toEqual([{ provider: "docker", id: `image ${first.tag}` }]);
    expect((await rig(["gc", "--yes"], { cwd: dir, env })).exitCode).toBe(0);
    expect(docker("image", "inspect", "--format", "{{.Id}}", first.id)).toBe("");
    expect(docker("image", "inspect", "--format", "{{.Id}}", second.id)).toBe(second.id);
  }, 60_000);
});
