/** Ownership (SPEC §8): state-file identity, project ids that survive a lost state file, owner markers, safe deletion. */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { APPLICATION_ID, projectIdOf } from "../../src/state/store.ts";
import { project, rig, tempDir } from "../helpers.ts";
import { APP_CONFIG } from "./fixtures.ts";

const sha = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

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
    const dir = project({ "rigkit.config.ts": APP_CONFIG });
    expect((await rig(["apply"], { cwd: dir })).exitCode).toBe(0);
    const path = join(dir, ".rigkit", "state.sqlite");
    const db = new Database(path);
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    db.run("PRAGMA journal_mode = DELETE");
    db.close();
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    expect(bytes.length / pageSize).toBeGreaterThan(4);
    // Scribble over the third page (a table's b-tree page), keeping the header intact.
    bytes.fill(0xa5, pageSize * 2 + 8, pageSize * 3);
    writeFileSync(path, bytes);
    const before = sha(path);
    for (const args of [["plan"], ["apply"], ["create", "x"], ["rm", "--all", "--yes"]]) {
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
