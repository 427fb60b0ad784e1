/** Every earlier schema version migrates forward with its data intact (fixtures in test/fixtures/). */
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { SCHEMA_VERSION } from "../../src/state/schema.ts";
import { APPLICATION_ID, Store } from "../../src/state/store.ts";
import { tempDir } from "../helpers.ts";

const FIXTURES = join(import.meta.dir, "..", "fixtures");

test("there is a fixture for every earlier schema version", () => {
  const versions = readdirSync(FIXTURES)
    .map((f) => /^state-v(\d+)\.sql$/.exec(f)?.[1])
    .filter(Boolean)
    .map(Number)
    .sort();
  expect(versions).toEqual(Array.from({ length: SCHEMA_VERSION - 1 }, (_, i) => i + 1));
});

for (const file of readdirSync(FIXTURES).filter((f) => /^state-v\d+\.sql$/.test(f))) {
  test(`${file} migrates to v${SCHEMA_VERSION} keeping its data`, () => {
    const path = join(tempDir(), "state.sqlite");
    const raw = new Database(path, { create: true });
    raw.exec(readFileSync(join(FIXTURES, file), "utf8"));
    raw.close();

    const store = Store.open(path);
    expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(store.projectId()).toBe("f1x7ure0000000a");
    expect(store.workspaces().map((w) => [w.name, w.status])).toEqual([["old1", "ready"]]);
    expect(store.latestRun("app", "tools")).toMatchObject({ id: "rv1run0001", log: "hello from v1" });
    expect(store.finalCtx("app")?.ctx).toEqual({ tools: true });
    expect(store.storageGet("local", "k")).toBe('"v"');
    expect(store.oplog().map((o) => o.kind)).toEqual(["apply"]);
    // The tables later versions added work.
    expect(store.db.query("SELECT COUNT(*) AS n FROM lock").get()).toEqual({ n: 0 });
    // v3 ownership: rig's application id, resources per workspace, the process behind log entries.
    expect(store.db.query("PRAGMA application_id").get()).toEqual({ application_id: APPLICATION_ID });
    expect(store.resources()).toEqual([]);
    expect(store.workspaces()[0]).toMatchObject({ pid: null, host: null, expires_at: null });
    expect(store.oplog()[0]).toMatchObject({ pid: null, status: "ok" });
    expect(store.db.query("SELECT COUNT(*) AS n FROM input_files").get()).toEqual({ n: 0 }); // v3Authoring
    // v4: the speed indexes, on files that were already at v3 too.
    const indexes = (store.db.query("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((i) => i.name);
    expect(indexes).toEqual(expect.arrayContaining(["task_runs_ok", "oplog_running"]));
    expect((store.db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check).toBe("ok");
    store.close();
    // Opening again is a no-op.
    expect(Store.open(path).schemaVersion()).toBe(SCHEMA_VERSION);
  });
}
