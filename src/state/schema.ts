/**
 * Schema migrations. The state file's version is SQLite's `user_version`; migration N
 * takes a file from version N-1 to N. Append only: never edit a shipped migration.
 */

// v3, in one migration, by concern. Each section is plain SQL run in order.

/** Ownership and live status: per-workspace resources, the creating/removing process, stopped workspaces. */
const v3Ownership = `
  CREATE TABLE workspaces_v3 (
    workflow       TEXT NOT NULL,
    name           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('creating', 'ready', 'stopped', 'removing')),
    ctx            TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    -- the process creating or removing it (null once ready): dead → "interrupted"
    pid            INTEGER,
    host           TEXT,
    -- leases (section 9): null = no lease
    expires_at     INTEGER,
    on_expiry      TEXT CHECK (on_expiry IN ('stop', 'remove')),
    -- create --from: the workspace it was forked from
    from_workspace TEXT,
    PRIMARY KEY (workflow, name)
  );
  INSERT INTO workspaces_v3 (workflow, name, status, ctx, created_at, updated_at)
    SELECT workflow, name, status, ctx, created_at, updated_at FROM workspaces;
  DROP TABLE workspaces;
  ALTER TABLE workspaces_v3 RENAME TO workspaces;

  -- What each provider made for a workspace, recorded as soon as it exists (claim()).
  CREATE TABLE workspace_resources (
    workflow   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    provider   TEXT NOT NULL, -- the name the provider was added under
    id         TEXT NOT NULL, -- how a person recognises it: a path, a container, host:path
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL, -- the whole resource, JSON
    created_at INTEGER NOT NULL,
    PRIMARY KEY (workflow, workspace, provider, id)
  );

  -- The rig process behind a running log entry: dead → "interrupted".
  ALTER TABLE oplog ADD COLUMN pid INTEGER;
  ALTER TABLE oplog ADD COLUMN host TEXT;

  -- Since when workspaces record their resources (ms): older ones are checked from their context.
  INSERT OR REPLACE INTO meta (key, value) VALUES ('resources_since', CAST(CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS TEXT));
`;

/** Supervision (issue 10): logs, leases of running operations, … */
const v3Supervision = `
-- Shared leases: a running workspace operation holds one on its workspace, so rm and
-- stop wait for it (or stop it with --force). A lease whose pid is gone is ignored.
CREATE TABLE workspace_leases (
  id INTEGER PRIMARY KEY,
  workflow TEXT NOT NULL,
  workspace TEXT NOT NULL,
  operation TEXT NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at INTEGER NOT NULL
);
CREATE INDEX workspace_leases_by_workspace ON workspace_leases (workflow, workspace);
-- Processes a successful hook or operation left running on purpose (a dev server), by pid
-- and start time (safe against pid reuse): rm and stop end them.
CREATE TABLE workspace_processes (
  workflow TEXT NOT NULL,
  workspace TEXT NOT NULL,
  pid INTEGER NOT NULL,
  start INTEGER NOT NULL,
  host TEXT NOT NULL,
  PRIMARY KEY (workflow, workspace, pid, start)
);
`;

/** Workspace lifecycle (issue 11). */
const v3Lifecycle = `
`;

/**
 * Authoring (issue 12): the stat cache of task `inputs` files. A file whose size, mtime
 * and inode match its row is not read again; its content hash is taken from here.
 */
const v3Authoring = `
CREATE TABLE input_files (
  path     TEXT PRIMARY KEY,  -- relative to the project root
  size     INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  ino      INTEGER NOT NULL,
  hash     TEXT NOT NULL
);
`;

/** Speed (issue 13): nothing at v3 (as shipped); its indexes are v4's (below). */
const v3Speed = `
`;

/**
 * v4, speed (issue 13): indexes only, so state files already at v3 get them too.
 */
const v4Indexes = `
-- Plan and apply read every successful run of a workflow at once (Store.runsByKey): from
-- this index alone, not from the wide rows (outputs, logs, key parts).
CREATE INDEX task_runs_ok ON task_runs (workflow, path, key_hash, finished_at, id, invalidated, artifacts) WHERE status = 'ok';
-- Every command that opens a project looks for running log entries whose rig died
-- (recover): a handful, however long the log of operations grows.
CREATE INDEX oplog_running ON oplog (pid) WHERE status = 'running';
`;

/**
 * v5, correct reuse (issue 17): which run last changed each artifact and what it held
 * then, so a cached run whose directory a later run rewrote is not reused; what each
 * workspace was made from, so `rig ls` can say `outdated`.
 */
const v5Seals = `
-- One row per artifact (its ref as stable JSON): the run that last made or changed it
-- and the provider's fingerprint of it then (null: the provider could not tell).
CREATE TABLE artifact_seals (
  ref       TEXT PRIMARY KEY,
  run       TEXT NOT NULL,
  state     TEXT,
  sealed_at INTEGER NOT NULL
);
-- The run ids behind a workflow's last applied result, and behind a workspace's base.
ALTER TABLE workflow_state ADD COLUMN result TEXT;
ALTER TABLE workspaces ADD COLUMN made_from TEXT;
`;

export const migrations: readonly string[] = [
  // v1
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE task_runs (
    id          TEXT PRIMARY KEY,
    workflow    TEXT NOT NULL,
    path        TEXT NOT NULL,
    name        TEXT NOT NULL,
    key_hash    TEXT NOT NULL,
    key_parts   TEXT NOT NULL,
    upstream    TEXT NOT NULL,
    output      TEXT,
    artifacts   TEXT,
    metadata    TEXT,
    log         TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'cancelled')),
    error       TEXT,
    invalidated INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL
  );
  CREATE INDEX task_runs_by_key  ON task_runs (workflow, path, key_hash, finished_at);
  CREATE INDEX task_runs_by_path ON task_runs (workflow, path, finished_at);
  CREATE TABLE workflow_state (
    workflow   TEXT PRIMARY KEY,
    ctx        TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  );
  CREATE TABLE workspaces (
    workflow   TEXT NOT NULL,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('creating', 'ready', 'removing')),
    ctx        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (workflow, name)
  );
  CREATE TABLE provider_storage (
    provider TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (provider, key)
  );
  CREATE TABLE manifest (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    hash       TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE oplog (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    workflow    TEXT,
    target      TEXT,
    status      TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    duration_ms INTEGER,
    detail      TEXT
  );
  `,
  // v2: the project lock (one row while a state-changing command runs)
  `
  CREATE TABLE lock (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL,
    command     TEXT NOT NULL,
    acquired_at INTEGER NOT NULL
  );
  `,
  // v3
  [v3Ownership, v3Supervision, v3Lifecycle, v3Authoring, v3Speed].join("\n"),
  // v4
  v4Indexes,
  // v5
  v5Seals,
];

export const SCHEMA_VERSION = migrations.length;
