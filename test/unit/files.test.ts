/** Task `inputs`: globs, exclusions, content hashes and the stat cache in the state file. */
import { describe, expect, test } from "bun:test";
import { statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileInputs } from "../../src/engine/graph/input-files.ts";
import { Store } from "../../src/state/store.ts";
import { project } from "../helpers.ts";

const old = new Date(Date.now() - 60_000);

function setup(files: Record<string, string>) {
  const dir = project(files);
  for (const path of Object.keys(files)) utimesSync(join(dir, path), old, old);
  const store = Store.open(join(dir, ".rigkit", "state.sqlite"));
  return { dir, store, inputs: () => new FileInputs(dir, store) };
}

describe("file inputs", () => {
  test("globs match relative to the root; .rigkit/, .git/ and git-ignored files are left out", () => {
    const { dir, inputs } = setup({
      "package.json": "{}",
      "src/a.js": "a",
      "src/deep/b.js": "b",
      ".git/config": "x",
      ".rigkit/x": "x",
      "src/.rigkit/y": "y",
      "gen/out.js": "o",
      ".gitignore": "gen/\n",
    });
    Bun.spawnSync(["git", "init", "-q"], { cwd: dir });
    const snap = inputs().snapshot(["package.json", "src/**", "gen/**", ".git/**", ".rigkit/**"]);
    expect(Object.keys(snap.files)).toEqual(["package.json", "src/a.js", "src/deep/b.js"]);
  });

  test("outside a git repository nothing counts as ignored", () => {
    const { inputs } = setup({ "gen/out.js": "o", ".gitignore": "gen/\n" });
    expect(Object.keys(inputs().snapshot(["gen/**"]).files)).toEqual(["gen/out.js"]);
  });

  test("a content change changes the hash; a touch or a revert does not", () => {
    const { dir, inputs } = setup({ "a.txt": "one" });
    const first = inputs().snapshot(["*.txt"]);
    utimesSync(join(dir, "a.txt"), new Date(), new Date(Date.now() - 30_000));
    expect(inputs().snapshot(["*.txt"]).hash).toBe(first.hash);
    writeFileSync(join(dir, "a.txt"), "two");
    expect(inputs().snapshot(["*.txt"]).hash).not.toBe(first.hash);
    writeFileSync(join(dir, "a.txt"), "one");
    expect(inputs().snapshot(["*.txt"]).hash).toBe(first.hash);
  });

  test("an unchanged stat (size, mtime, inode) is trusted: the file is not read again", () => {
    const { dir, store, inputs } = setup({ "a.txt": "one" });
    const first = inputs().snapshot(["a.txt"]);
    expect(store.db.query("SELECT COUNT(*) AS n FROM input_files").get()).toEqual({ n: 1 });
    // Same size, same mtime, same inode, different bytes: only a reread could notice.
    writeFileSync(join(dir, "a.txt"), "two");
    utimesSync(join(dir, "a.txt"), old, old);
    expect(statSync(join(dir, "a.txt")).size).toBe(3);
    expect(inputs().snapshot(["a.txt"]).hash).toBe(first.hash);
    // A size change is noticed.
    writeFileSync(join(dir, "a.txt"), "three");
    utimesSync(join(dir, "a.txt"), old, old);
    expect(inputs().snapshot(["a.txt"]).hash).not.toBe(first.hash);
  });

  test("a file modified just now is hashed but its stat is not trusted next time", () => {
    const { dir, store, inputs } = setup({});
    writeFileSync(join(dir, "fresh.txt"), "x");
    inputs().snapshot(["fresh.txt"]);
    expect(store.db.query("SELECT COUNT(*) AS n FROM input_files").get()).toEqual({ n: 0 });
  });

  test("the globs are part of the hash; globs leaving the project are config errors", () => {
    const { inputs } = setup({ "a.txt": "1" });
    expect(inputs().snapshot(["a.txt"]).hash).not.toBe(inputs().snapshot(["*.txt", "a.txt"]).hash);
    for (const bad of ["/etc/passwd", "../x", "src/../../y", ""]) {
      expect(() => inputs().snapshot([bad])).toThrow("is not a glob relative to the config's directory");
    }
    expect(() => inputs().snapshot("src/**" as unknown as string[])).toThrow("inputs must be an array of globs");
  });
});

describe("cache explain of inputs", () => {
  test("names changed, added and removed files; a task gaining inputs says so", async () => {
    const { engineProject } = await import("../helpers.ts");
    const { workflow } = await import("../../src/index.ts");
    const { apply } = await import("../../src/engine/graph/apply.ts");
    const { explain } = await import("../../src/engine/graph/explain.ts");
    const { tempDir } = await import("../helpers.ts");
    const dir = tempDir();
    for (const [name, text] of [["a.txt", "1"], ["b.txt", "2"]] as const) {
      writeFileSync(join(dir, name), text);
      utimesSync(join(dir, name), old, old);
    }
    const make = (inputs?: string[]) => workflow("w").task("t", inputs ? { inputs } : {}, async () => ({ ctx: { ok: true } }));
    let project = engineProject([make()], dir);
    await apply(project.workflows[0] as never, project);
    project = engineProject([make(["*.txt"])], dir);
    const gained = await explain(project.workflows[0] as never, project.stores, project.registry);
    expect(gained.tasks[0]).toMatchObject({ reason: "inputs-changed", changes: ["inputs added to the task"] });
    await apply(project.workflows[0] as never, project);
    writeFileSync(join(dir, "a.txt"), "changed");
    writeFileSync(join(dir, "c.txt"), "new");
    (await import("node:fs")).rmSync(join(dir, "b.txt"));
    project = engineProject([make(["*.txt"])], dir);
    const changed = await explain(project.workflows[0] as never, project.stores, project.registry);
    expect(changed.tasks[0]?.changes).toEqual(["input file a.txt changed", "input file b.txt removed", "input file c.txt added"]);
  });
});
