/**
 * Schema migrations. The state file's version is SQLite's `user_version`; migration N
 * takes a file from version N-1 to N. Append only: never edit a shipped migration.
 */
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
];

export const SCHEMA_VERSION = migrations.length;
