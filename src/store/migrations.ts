/**
 * Versioned schema. Each entry runs once, in order, in its own transaction; PRAGMA user_version
 * records how far a database has come. Never edit a released migration: append a new one.
 *
 * Resources are stored as JSON documents (`doc`, in AWS's wire shape) with the columns that
 * queries filter or sort on pulled out beside them. Every table is keyed by account and region.
 */
export const migrations: string[] = [
  /* 1 */ `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE clusters (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, status TEXT NOT NULL, seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name));

  CREATE TABLE task_definitions (
    account TEXT NOT NULL, region TEXT NOT NULL, family TEXT NOT NULL, revision INTEGER NOT NULL,
    arn TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, family, revision));

  CREATE TABLE tasks (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, cluster_arn TEXT NOT NULL,
    family TEXT NOT NULL, started_by TEXT, launch_type TEXT NOT NULL,
    desired_status TEXT NOT NULL, last_status TEXT NOT NULL,
    seq INTEGER NOT NULL, stopped_at INTEGER,
    doc TEXT NOT NULL);
  CREATE INDEX tasks_by_cluster ON tasks (account, region, cluster_arn, desired_status);
  CREATE INDEX tasks_by_status ON tasks (last_status);

  CREATE TABLE tags (
    arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (arn, key));

  CREATE TABLE idempotency (
    account TEXT NOT NULL, region TEXT NOT NULL, operation TEXT NOT NULL, token TEXT NOT NULL,
    request_hash TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (account, region, operation, token));
  `,
];
