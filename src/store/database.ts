import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { migrations } from "./migrations.js";

export type Db = Database.Database;

/**
 * Opens (creating if needed) the state database under the data directory.
 * WAL with synchronous=NORMAL: a commit is in the operating system's cache when it returns (kill -9
 * of the server cannot lose it), and DurableAnswers (durable-answers.ts) fdatasyncs the WAL off the
 * event loop before any answer that follows a write is sent, so a power cut loses no acknowledged
 * write either. (synchronous=FULL gave the same promise with the fsync on the event loop, where
 * every request waited for the disk.)
 */
export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, "berth.sqlite"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db);
  cachePreparedStatements(db);
  return db;
}

/** More distinct SQL texts than Berth writes (IN lists of varying length make some). */
const MAX_CACHED_STATEMENTS = 2000;

/**
 * better-sqlite3 compiles SQL on every prepare(), and the read paths prepare per request (about
 * 15% of DescribeClusters' server time went there). One compiled statement per SQL text serves
 * every caller: statements run to completion synchronously, and no caller iterates one or changes
 * its mode (pluck, raw, expand), so sharing is safe. Written here because it is a dozen lines
 * around the driver's own prepare; the oldest statement is dropped once the cache is full.
 */
function cachePreparedStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.delete(cache.keys().next().value!);
      cache.set(sql, statement);
    }
    return statement;
  }) as Db["prepare"];
}

export function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`the database is at schema version ${current}, newer than this Berth (${migrations.length}); upgrade Berth`);
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * A stable id for this data directory. Every container Berth starts is labelled with it, so
 * reset and adoption touch only this Berth's containers even when several share one engine.
 */
export function instanceId(db: Db): string {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'instance_id'").get() as { value: string } | undefined;
  if (row) return row.value;
  const id = randomUUID();
  db.prepare("INSERT INTO meta (key, value) VALUES ('instance_id', ?)").run(id);
  return id;
}

/** Wipes every resource (not the schema, not the instance id). */
export function wipe(db: Db): void {
  db.transaction(() => {
    for (const t of ["clusters", "task_definitions", "task_placements", "tasks", "tags", "idempotency"]) db.exec(`DELETE FROM ${t}`);
    for (const t of ["container_instance_attributes", "container_instances"]) db.exec(`DELETE FROM ${t}`);
    for (const t of ["service_tasks", "service_events", "services", "express_gateway_services", "express_gateway_load_balancers", "ecs_task_protection", "ecs_account_settings"]) db.exec(`DELETE FROM ${t}`);
    for (const t of ["daemon_tasks", "daemon_deployments", "daemon_revisions", "daemons", "daemon_task_definitions"]) db.exec(`DELETE FROM ${t}`);
    db.exec("DELETE FROM capacity_providers");
    for (const t of ["cw_points", "cw_series"]) db.exec(`DELETE FROM ${t}`);
    for (const t of ["cw_alarm_history", "cw_alarm_children", "cw_alarms"]) db.exec(`DELETE FROM ${t}`);
    for (const t of ["log_events", "log_streams", "log_groups"]) db.exec(`DELETE FROM ${t}`);
    for (const t of ["aas_activities", "aas_scheduled_actions", "aas_policies", "aas_targets"]) db.exec(`DELETE FROM ${t}`);
    for (const t of ["event_deliveries", "event_outbox", "event_targets", "event_rules", "event_buses", "schedules", "schedule_groups",
      "archived_events", "event_archives", "event_replays", "event_api_destinations", "event_connections", "event_rule_activity"]) db.exec(`DELETE FROM ${t}`);
    for (const t of ["sqs_messages", "sqs_dedup", "sqs_queues", "sns_subscriptions", "sns_topics", "sns_outbox"]) db.exec(`DELETE FROM ${t}`);
    for (const t of ["iam_roles", "iam_users", "iam_inline_policies", "iam_policies", "iam_policy_versions", "iam_attachments", "iam_instance_profiles", "iam_access_keys", "sts_sessions"]) db.exec(`DELETE FROM ${t}`);
    // The registry's tables; deleting the repositories would cascade, but say it plainly.
    for (const t of ["image_scan_findings", "image_scans", "image_tags", "manifest_references", "registry_manifests", "repository_blobs", "registry_uploads", "registry_repositories", "ecr_registry_settings"]) {
      db.exec(`DELETE FROM ${t}`);
    }
  })();
}
