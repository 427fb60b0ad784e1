/**
 * The project state file, `.rigkit/state.sqlite` (bun:sqlite, WAL).
 *
 * Opening never modifies a file it cannot vouch for: a file that is not SQLite, is
 * damaged, or was written by a newer rigkit gives a STATE_ERROR and is left as it is.
 */
import { Database, type Statement } from "bun:sqlite";
import { hostname } from "../host/pids.ts";
import { RigError, messageOf } from "../errors.ts";
import { SCHEMA_VERSION, migrations } from "./schema.ts";

export type RunStatus = "ok" | "failed" | "cancelled";

export interface RunRow {
  id: string;
  workflow: string;
  path: string;
  name: string;
  key_hash: string;
  key_parts: string;
  upstream: string;
  output: string | null;
  artifacts: string | null;
  metadata: string | null;
  log: string;
  status: RunStatus;
  error: string | null;
  invalidated: number;
  started_at: number;
  finished_at: number;
  duration_ms: number;
}

/** The columns the cache decision needs (outputs and logs stay on disk until asked for). */
export interface CachedRun {
  id: string;
  invalidated: number;
  finished_at: number;
  artifacts: string | null;
}

/** A workspace's recorded status (what rig last did to it); `ls` adds the live check. */
export type WorkspaceStatus = "creating" | "ready" | "stopped" | "removing";

export interface WorkspaceRow {
  workflow: string;
  name: string;
  status: WorkspaceStatus;
  ctx: string;
  created_at: number;
  updated_at: number;
  /** The process creating or removing it; a dead one means the workspace is `interrupted`. */
  pid: number | null;
  host: string | null;
  expires_at: number | null;
  on_expiry: "stop" | "remove" | null;
  from_workspace: string | null;
}

/** A resource recorded for a workspace (see `WorkspaceResource` in the provider API). */
export interface ResourceRow {
  workflow: string;
  workspace: string;
  provider: string;
  id: string;
  kind: string;
  data: string;
  created_at: number;
}

/** A workspace as `create`, `ls` and `--json` present it. */
/** A workspace as `create` and `--json` present it (README "Scripting": exactly these keys). */
export interface WorkspaceInfo {
  name: string;
  workflow: string;
  ctx: unknown;
  createdAt: string;
}

export const workspaceInfo = (row: WorkspaceRow): WorkspaceInfo => ({
  name: row.name,
  workflow: row.workflow,
  ctx: JSON.parse(row.ctx),
  createdAt: new Date(row.created_at).toISOString(),
});

export interface OplogRow {
  id: number;
  kind: string;
  workflow: string | null;
  target: string | null;
  status: string;
  started_at: number;
  finished_at: number | null;
  duration_ms: number | null;
  detail: string | null;
  /** The rig process behind a running entry. */
  pid: number | null;
  host: string | null;
}

const SQLITE_MAGIC = "SQLite format 3\u0000";

function stateError(path: string, what: string, hint: string, cause?: unknown): RigError {
  return new RigError("STATE_ERROR", `State file ${path} ${what}`, {
    detail: [hint, "The file was left untouched."],
    cause,
  });
}

const notSqlite = (path: string) =>
  stateError(path, "is not a rigkit state file (not SQLite)", "Move it aside or restore it from a backup; rig creates a fresh one.");

/** Reads the 16-byte header; a non-empty file without SQLite's magic is not ours to open. */
function checkHeader(path: string, size: number): void {
  const { closeSync, openSync, readSync } = require("node:fs") as typeof import("node:fs");
  if (size === 0) return;
  const fd = openSync(path, "r");
  try {
    const header = Buffer.alloc(16);
    const read = readSync(fd, header, 0, 16, 0);
    if (read < 16 || header.toString("latin1") !== SQLITE_MAGIC) throw notSqlite(path);
  } finally {
    closeSync(fd);
  }
}

/** `PRAGMA application_id` of every rig state file ("RIG1"): a SQLite file without it is not ours. */
export const APPLICATION_ID = 0x52494731;

/** Tables every rig state file has had since v1: a legacy file (no application_id yet) has them all. */
const RIG_TABLES = ["meta", "task_runs", "workflow_state", "workspaces", "provider_storage", "manifest", "oplog"];

/**
 * Refuses a SQLite file that is not rig's: another application id, or tables without
 * rig's (a state file from before application ids has all of rig's v1 tables). Only reads.
 */
function checkIdentity(db: Database, path: string): void {
  const id = (db.query("PRAGMA application_id").get() as { application_id: number }).application_id;
  if (id === APPLICATION_ID) return;
  const tables = (db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  if (id === 0 && (tables.length === 0 || RIG_TABLES.every((t) => tables.includes(t)))) return;
  throw stateError(path, "is not a rigkit state file (another application's SQLite database)", "Pass --state with a path of its own, or move the file aside.");
}

/**
 * quick_check reads every page (~13 ms at 10,000 task runs, on every command), so a file
 * that passed it is not checked again while it stays as it was: `<state>-checked` holds
 * its device, inode, size and mtime then. Any write to the file (rig's own, or anything
 * damaging it) changes its stat, and the next open checks it again. Not stamped: a file
 * whose WAL holds changes, or one written so recently that another write could still get
 * the same mtime: within 100 ms (mtimes with sub-second parts come from a clock that
 * ticks every few ms), or 2 s where mtimes are whole seconds (FAT keeps 2 s).
 */
function intactStamp(path: string): string | null {
  const { statSync } = require("node:fs") as typeof import("node:fs");
  const file = statSync(path, { throwIfNoEntry: false });
  const wal = statSync(`${path}-wal`, { throwIfNoEntry: false });
  if (!file || (wal && wal.size > 0)) return null;
  const racyMs = file.mtimeMs % 1000 === 0 ? 2000 : 100;
  if (Date.now() - file.mtimeMs < racyMs) return null;
  return `${file.dev}:${file.ino}:${file.size}:${file.mtimeMs}`;
}

/** Runs quick_check unless the file is as it was when it last passed (see intactStamp). */
function checkIntactOnce(db: Database, path: string): void {
  const { readFileSync, writeFileSync } = require("node:fs") as typeof import("node:fs");
  const stamp = intactStamp(path);
  const stampFile = `${path}-checked`;
  if (stamp !== null) {
    try {
      if (readFileSync(stampFile, "utf8") === stamp) return;
    } catch {
      // no stamp yet
    }
  }
  checkIntact(db, path);
  if (stamp === null) return;
  try {
    writeFileSync(stampFile, stamp, { mode: 0o600 });
  } catch {
    // a read-only directory: the file is checked every time, as before
  }
}

/** Refuses a file SQLite reports as damaged, before anything is written to it. */
function checkIntact(db: Database, path: string): void {
  const rows = db.query("PRAGMA quick_check(5)").all() as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== "ok");
  if (problems.length > 0) {
    throw stateError(path, "is damaged", `SQLite reports: ${problems.slice(0, 3).join("; ")}. Restore it from a backup, or move it aside and let rig start afresh (then \`rig gc\`).`);
  }
}

/** Refuses a file from a newer rig; returns the file's schema version. */
function checkVersion(db: Database, path: string): number {
  const version = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (version > SCHEMA_VERSION) {
    throw stateError(path, `has schema version ${version}, newer than this rig supports (${SCHEMA_VERSION})`, "Upgrade rigkit to use this project.");
  }
  return version;
}

/** The project id derived from the project directory's real path: the same directory, the same id. */
export function projectIdOf(dir: string): string {
  return new Bun.CryptoHasher("sha256").update(dir).digest("hex").slice(0, 16);
}

export class Store {
  readonly db: Database;
  // The two statements every task of a plan or apply runs: prepared once, on first use.
  private byKeyStatement: Statement | undefined;
  private outputStatement: Statement | undefined;

  private constructor(
    db: Database,
    readonly path: string,
  ) {
    this.db = db;
  }

  private get byKey(): Statement {
    this.byKeyStatement ??= this.db.prepare(
      "SELECT id, invalidated, finished_at, artifacts FROM task_runs WHERE workflow = ? AND path = ? AND key_hash = ? AND status = 'ok' ORDER BY finished_at DESC, rowid DESC LIMIT 1",
    );
    return this.byKeyStatement;
  }

  private get outputById(): Statement {
    this.outputStatement ??= this.db.prepare("SELECT output FROM task_runs WHERE id = ?");
    return this.outputStatement;
  }

  /**
   * Opens (creating when missing) and migrates the state file. `projectDir` (the project
   * directory) gives a new file its project id, derived from the directory, so a project
   * whose state file was lost gets its id back and finds what it had made.
   */
  static open(path: string, options: { projectDir?: string } = {}): Store {
    // node:fs only here: read-only commands never load it.
    const { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } = require("node:fs") as typeof import("node:fs");
    const dir = path.slice(0, Math.max(1, path.lastIndexOf("/")));
    try {
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
      let stat = statSync(path, { throwIfNoEntry: false });
      if (stat) checkHeader(path, stat.size);
      else {
        closeSync(openSync(path, "a", 0o600));
        stat = statSync(path);
      }
      // Only when needed: a chmod marks the file changed (its ctime) on every command.
      if ((stat.mode & 0o777) !== 0o600) chmodSync(path, 0o600);
    } catch (error) {
      // A directory, a path through a file, a name too long, no permission: say so plainly.
      if (error instanceof RigError) throw error;
      throw stateError(path, "cannot be used", messageOf(error), error);
    }

    let db: Database;
    try {
      db = new Database(path, { create: true, strict: true });
    } catch (error) {
      throw stateError(path, "cannot be opened", messageOf(error), error);
    }
    try {
      db.run("PRAGMA busy_timeout = 10000");
      // Only reads until the file is known to be rig's, of a version we know, and intact.
      checkIdentity(db, path);
      const version = checkVersion(db, path);
      checkIntactOnce(db, path);
      db.run("PRAGMA journal_mode = WAL");
      db.run("PRAGMA synchronous = NORMAL");
      db.run("PRAGMA foreign_keys = ON");
      if (version < SCHEMA_VERSION) Store.migrate(db, options.projectDir);
    } catch (error) {
      db.close();
      if (error instanceof RigError) throw error;
      throw stateError(path, "is damaged or unreadable", messageOf(error), error);
    }
    return new Store(db, path);
  }

  /**
   * Opens an existing state file without writing to it (ls, log, projects, completion):
   * null when there is none yet. Like `open`, it refuses a file that is not SQLite or
   * is from a newer rig. Older files are readable as they are (migrations only add).
   */
  static async openReadOnly(path: string): Promise<Store | null> {
    let file: ReturnType<typeof Bun.file>;
    let exists: boolean;
    try {
      file = Bun.file(path);
      exists = await file.exists();
    } catch (error) {
      throw stateError(path, "cannot be used", messageOf(error), error);
    }
    if (!exists) return null;
    if (file.size > 0 && (await file.slice(0, 16).text()) !== SQLITE_MAGIC) throw notSqlite(path);
    let db: Database;
    try {
      db = new Database(path, { readonly: true, strict: true });
    } catch (error) {
      if ((error as { code?: string }).code === "SQLITE_CANTOPEN") return null; // empty file, no WAL yet
      throw stateError(path, "cannot be opened", messageOf(error), error);
    }
    let version: number;
    try {
      // A first command may be creating the file right now (switching it to WAL takes an
      // exclusive lock for a moment): wait for it rather than call the file unreadable.
      db.run("PRAGMA busy_timeout = 10000");
      checkIdentity(db, path);
      version = checkVersion(db, path);
    } catch (error) {
      db.close();
      throw error instanceof RigError ? error : stateError(path, "is damaged or unreadable", messageOf(error), error);
    }
    if (version === 0) {
      // Created a moment ago by a command still migrating it: nothing recorded yet.
      db.close();
      return null;
    }
    return new Store(db, path);
  }

  private static migrate(db: Database, projectDir?: string): void {
    // IMMEDIATE, and the version read again inside: when several first commands race on a
    // fresh project, one migrates and the others find it done (README "Signals").
    db.transaction(() => {
      const from = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
      if (from >= SCHEMA_VERSION) return;
      for (let v = from; v < SCHEMA_VERSION; v++) db.run(migrations[v] as string);
      db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      db.run(`PRAGMA application_id = ${APPLICATION_ID}`);
      if (from === 0) {
        const id = projectDir ? projectIdOf(projectDir) : crypto.randomUUID().replaceAll("-", "").slice(0, 16);
        db.query("INSERT INTO meta (key, value) VALUES ('project_id', ?), ('created_at', ?)").run(id, String(Date.now()));
      }
      if (projectDir) db.query("INSERT OR IGNORE INTO meta (key, value) VALUES ('project_dir', ?)").run(projectDir);
    }).immediate();
  }

  close(): void {
    this.db.close();
  }

  schemaVersion(): number {
    return (this.db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  }

  /** When this file started recording workspace resources (its v3 migration): older workspaces have none. */
  resourcesSince(): number {
    const row = this.schemaVersion() >= 3 ? (this.db.query("SELECT value FROM meta WHERE key = 'resources_since'").get() as { value: string } | null) : null;
    return row ? Number(row.value) : Number.POSITIVE_INFINITY;
  }

  /** The project directory recorded with the id (null for files from before v3, and fragments). */
  projectDir(): string | null {
    return (this.db.query("SELECT value FROM meta WHERE key = 'project_dir'").get() as { value: string } | null)?.value ?? null;
  }

  /** Records the project directory, once (ids of files from older rigs stay as they were). */
  recordProjectDir(dir: string): void {
    if (this.projectDir() === null) this.db.query("INSERT OR IGNORE INTO meta (key, value) VALUES ('project_dir', ?)").run(dir);
  }

  projectId(): string {
    return (this.db.query("SELECT value FROM meta WHERE key = 'project_id'").get() as { value: string }).value;
  }

  // --- task runs ----------------------------------------------------------------------

  /** The newest successful run with exactly this cache key. */
  runByKey(workflow: string, path: string, keyHash: string): CachedRun | null {
    return this.byKey.get(workflow, path, keyHash) as CachedRun | null;
  }

  /**
   * Every successful run of a workflow in one query, keyed by key_hash (a key names its
   * task's path, so callers check `path` only against a collision), the newest per key
   * winning as in `runByKey` (latest finished_at, then latest rowid). Plan and apply look
   * each task up here instead of asking SQLite once per task (~17 µs each, 170 ms at
   * 10,000 tasks). Answered from the task_runs_ok index alone; no ORDER BY, so none of
   * the wide rows is read to sort.
   */
  runsByKey(workflow: string): Map<string, CachedRun & { path: string; rowid: number }> {
    const rows = this.db
      .query("SELECT id, path, key_hash, invalidated, finished_at, artifacts, rowid FROM task_runs WHERE workflow = ? AND status = 'ok'")
      .values(workflow) as [string, string, string, number, number, string | null, number][];
    const runs = new Map<string, CachedRun & { path: string; rowid: number }>();
    for (const [id, path, key, invalidated, finished_at, artifacts, rowid] of rows) {
      const seen = runs.get(key);
      if (seen && (seen.finished_at > finished_at || (seen.finished_at === finished_at && seen.rowid > rowid))) continue;
      runs.set(key, { id, path, invalidated, finished_at, artifacts, rowid });
    }
    return runs;
  }

  /** A run's output context, as stored (JSON text). */
  runOutput(id: string): string | null {
    return (this.outputById.get(id) as { output: string | null } | null)?.output ?? null;
  }

  /** The newest successful run of a task, whatever its key. */
  latestRun(workflow: string, path: string): RunRow | null {
    return this.db
      .query("SELECT * FROM task_runs WHERE workflow = ? AND path = ? AND status = 'ok' ORDER BY finished_at DESC, rowid DESC LIMIT 1")
      .get(workflow, path) as RunRow | null;
  }

  run(id: string): RunRow | null {
    return this.db.query("SELECT * FROM task_runs WHERE id = ?").get(id) as RunRow | null;
  }

  insertRun(row: RunRow): void {
    this.db
      .query(
        `INSERT INTO task_runs (id, workflow, path, name, key_hash, key_parts, upstream, output, artifacts, metadata, log,
           status, error, invalidated, started_at, finished_at, duration_ms)
         VALUES ($id, $workflow, $path, $name, $key_hash, $key_parts, $upstream, $output, $artifacts, $metadata, $log,
           $status, $error, $invalidated, $started_at, $finished_at, $duration_ms)`,
      )
      .run(row as unknown as Record<string, string | number | null>);
  }

  invalidateRun(id: string): void {
    this.db.query("UPDATE task_runs SET invalidated = 1 WHERE id = ?").run(id);
  }

  /** Successful runs of one workflow, the cache entries, newest first. */
  cacheEntries(workflow: string): Pick<RunRow, "id" | "path" | "name" | "finished_at" | "invalidated">[] {
    return this.db
      .query("SELECT id, path, name, finished_at, invalidated FROM task_runs WHERE workflow = ? AND status = 'ok' ORDER BY finished_at DESC, rowid DESC")
      .all(workflow) as Pick<RunRow, "id" | "path" | "name" | "finished_at" | "invalidated">[];
  }

  /** Marks every stored run of these tasks stale; returns how many runs that touched. */
  invalidatePaths(workflow: string, paths: readonly string[]): number {
    const statement = this.db.query("UPDATE task_runs SET invalidated = 1 WHERE workflow = ? AND path = ? AND status = 'ok' AND invalidated = 0");
    return this.db.transaction(() => paths.reduce((n, path) => n + statement.run(workflow, path).changes, 0))();
  }

  /** Forgets every task run of a workflow; returns how many were deleted. */
  clearRuns(workflow: string): number {
    return this.db.query("DELETE FROM task_runs WHERE workflow = ?").run(workflow).changes;
  }

  /** Workflows that have task runs or workspaces in this state file. */
  knownWorkflows(): string[] {
    const rows = this.db.query("SELECT DISTINCT workflow FROM task_runs UNION SELECT workflow FROM workspaces ORDER BY 1").all() as { workflow: string }[];
    return rows.map((r) => r.workflow);
  }

  // --- workflow state -----------------------------------------------------------------

  setFinalCtx(workflow: string, ctx: unknown): void {
    this.db
      .query("INSERT INTO workflow_state (workflow, ctx, applied_at) VALUES (?, ?, ?) ON CONFLICT (workflow) DO UPDATE SET ctx = excluded.ctx, applied_at = excluded.applied_at")
      .run(workflow, JSON.stringify(ctx), Date.now());
  }

  finalCtx(workflow: string): { ctx: unknown; appliedAt: number } | null {
    const row = this.db.query("SELECT ctx, applied_at FROM workflow_state WHERE workflow = ?").get(workflow) as
      | { ctx: string; applied_at: number }
      | null;
    return row ? { ctx: JSON.parse(row.ctx), appliedAt: row.applied_at } : null;
  }

  // --- workspaces ---------------------------------------------------------------------

  workspaces(): WorkspaceRow[] {
    return this.db.query("SELECT * FROM workspaces ORDER BY workflow, created_at, name").all() as WorkspaceRow[];
  }

  /** Every workspace's workflow and name, in the order of `workspaces()` (completion needs no more). */
  workspaceNames(): { workflow: string; name: string }[] {
    return (this.db.query("SELECT workflow, name FROM workspaces ORDER BY workflow, created_at, name").values() as [string, string][]).map(([workflow, name]) => ({ workflow, name }));
  }

  workspacesNamed(name: string): WorkspaceRow[] {
    return this.db.query("SELECT * FROM workspaces WHERE name = ? ORDER BY workflow").all(name) as WorkspaceRow[];
  }

  workspace(workflow: string, name: string): WorkspaceRow | null {
    return this.db.query("SELECT * FROM workspaces WHERE workflow = ? AND name = ?").get(workflow, name) as WorkspaceRow | null;
  }

  /** Records the intent to create a workspace (by this process); false when the name is taken. */
  insertWorkspace(workflow: string, name: string): boolean {
    const now = Date.now();
    const result = this.db
      .query("INSERT OR IGNORE INTO workspaces (workflow, name, status, ctx, created_at, updated_at, pid, host) VALUES (?, ?, 'creating', '{}', ?, ?, ?, ?)")
      .run(workflow, name, now, now, process.pid, hostname());
    return result.changes === 1;
  }

  /** Changes a workspace's record; `creating`/`removing` record this process as the one doing it. */
  updateWorkspace(workflow: string, name: string, changes: { status?: WorkspaceStatus; ctx?: unknown }): void {
    const row = this.workspace(workflow, name);
    if (!row) return;
    const status = changes.status ?? row.status;
    const busy = status === "creating" || status === "removing";
    const owner = changes.status === undefined ? [row.pid, row.host] : busy ? [process.pid, hostname()] : [null, null];
    this.db
      .query("UPDATE workspaces SET status = ?, ctx = ?, updated_at = ?, pid = ?, host = ? WHERE workflow = ? AND name = ?")
      .run(status, changes.ctx === undefined ? row.ctx : JSON.stringify(changes.ctx), Date.now(), owner[0] ?? null, owner[1] ?? null, workflow, name);
  }

  /** A workspace's lease (`expiresAt` null: none) and what `rig gc` does when it runs out. */
  setLease(workflow: string, name: string, expiresAt: number | null, onExpiry: "stop" | "remove" | null): void {
    this.db.query("UPDATE workspaces SET expires_at = ?, on_expiry = ?, updated_at = ? WHERE workflow = ? AND name = ?").run(expiresAt, onExpiry, Date.now(), workflow, name);
  }

  /** Records the workspace a fork was made from. */
  setFrom(workflow: string, name: string, from: string): void {
    this.db.query("UPDATE workspaces SET from_workspace = ? WHERE workflow = ? AND name = ?").run(from, workflow, name);
  }

  /** Forgets a workspace and the resources recorded for it. */
  deleteWorkspace(workflow: string, name: string): void {
    this.db.transaction(() => {
      this.db.query("DELETE FROM workspace_resources WHERE workflow = ? AND workspace = ?").run(workflow, name);
      this.db.query("DELETE FROM workspaces WHERE workflow = ? AND name = ?").run(workflow, name);
    })();
  }

  // --- workspace resources --------------------------------------------------------------

  /** Records (or updates) a resource a provider made for a workspace. */
  recordResource(workflow: string, workspace: string, provider: string, resource: { id: string; kind: string }): void {
    this.db
      .query(
        `INSERT INTO workspace_resources (workflow, workspace, provider, id, kind, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (workflow, workspace, provider, id) DO UPDATE SET kind = excluded.kind, data = excluded.data`,
      )
      .run(workflow, workspace, provider, resource.id, resource.kind, JSON.stringify(resource), Date.now());
  }

  /** Resources recorded for one workspace, or for every workspace when `workspace` is omitted. */
  resources(workflow?: string, workspace?: string): ResourceRow[] {
    if (workflow !== undefined && workspace !== undefined) {
      return this.db
        .query("SELECT * FROM workspace_resources WHERE workflow = ? AND workspace = ? ORDER BY created_at, rowid")
        .all(workflow, workspace) as ResourceRow[];
    }
    return this.db.query("SELECT * FROM workspace_resources ORDER BY workflow, workspace, created_at, rowid").all() as ResourceRow[];
  }

  forgetResource(workflow: string, workspace: string, provider: string, id: string): void {
    this.db.query("DELETE FROM workspace_resources WHERE workflow = ? AND workspace = ? AND provider = ? AND id = ?").run(workflow, workspace, provider, id);
  }

  // --- provider storage ---------------------------------------------------------------

  storageGet(provider: string, key: string): string | null {
    return (this.db.query("SELECT value FROM provider_storage WHERE provider = ? AND key = ?").get(provider, key) as { value: string } | null)?.value ?? null;
  }

  storageSet(provider: string, key: string, value: string): void {
    this.db
      .query("INSERT INTO provider_storage (provider, key, value) VALUES (?, ?, ?) ON CONFLICT (provider, key) DO UPDATE SET value = excluded.value")
      .run(provider, key, value);
  }

  storageDelete(provider: string, key: string): void {
    this.db.query("DELETE FROM provider_storage WHERE provider = ? AND key = ?").run(provider, key);
  }

  storageEntries(provider: string, prefix: string): [string, string][] {
    const rows = this.db
      .query("SELECT key, value FROM provider_storage WHERE provider = ? AND substr(key, 1, length(?)) = ? ORDER BY key")
      .all(provider, prefix, prefix) as { key: string; value: string }[];
    return rows.map((r) => [r.key, r.value]);
  }

  // --- completion manifest ------------------------------------------------------------

  manifestHash(): string | null {
    return (this.db.query("SELECT hash FROM manifest WHERE id = 1").get() as { hash: string } | null)?.hash ?? null;
  }

  manifest(): string | null {
    return (this.db.query("SELECT body FROM manifest WHERE id = 1").get() as { body: string } | null)?.body ?? null;
  }

  saveManifest(hash: string, body: string): void {
    this.db
      .query("INSERT INTO manifest (id, hash, body, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, body = excluded.body, updated_at = excluded.updated_at")
      .run(hash, body, Date.now());
  }

  // --- operation log ------------------------------------------------------------------

  /** A running log entry, recording this process: if it dies, the entry becomes `interrupted`. */
  logStart(kind: string, workflow: string | null, target: string | null): number {
    const result = this.db
      .query("INSERT INTO oplog (kind, workflow, target, status, started_at, pid, host) VALUES (?, ?, ?, 'running', ?, ?, ?)")
      .run(kind, workflow, target, Date.now(), process.pid, hostname());
    return Number(result.lastInsertRowid);
  }

  logFinish(id: number, status: "ok" | "failed" | "cancelled", detail?: unknown): void {
    const now = Date.now();
    this.db
      .query("UPDATE oplog SET status = ?, finished_at = ?, duration_ms = ? - started_at, detail = ? WHERE id = ?")
      .run(status, now, now, detail === undefined ? null : JSON.stringify(detail), id);
  }

  oplog(workflow?: string, limit = 100): OplogRow[] {
    return (
      workflow
        ? this.db.query("SELECT * FROM oplog WHERE workflow = ? ORDER BY id DESC LIMIT ?").all(workflow, limit)
        : this.db.query("SELECT * FROM oplog ORDER BY id DESC LIMIT ?").all(limit)
    ) as OplogRow[];
  }
}
