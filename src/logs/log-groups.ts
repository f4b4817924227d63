import type { LogGroup } from "@aws-sdk/client-cloudwatch-logs";
import type { Scope } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import type { Db } from "../store/database.js";
import { ServiceError } from "../core/errors.js";
import { groupExists, groupNotFound, invalidParameter, tooManyTags } from "./errors.js";
import { decodeToken, encodeToken } from "./page-token.js";
import { metricFilterCount } from "./metric-filters.js";

/** A log group's row. */
export interface GroupRow {
  id: number;
  account: string;
  region: string;
  name: string;
  created_at: number;
  retention_days: number | null;
  kms_key_id: string | null;
  class: string;
  deletion_protection: number;
  next_event_id: number;
}

/** The group's ARN as tags and TagResource name it (without the `:*` DescribeLogGroups' `arn` has). */
export const groupArn = (s: Scope, name: string) => `arn:aws:logs:${s.region}:${s.account}:log-group:${name}`;

export interface CreateGroup {
  name: string;
  kmsKeyId?: string;
  logGroupClass?: string;
  deletionProtectionEnabled?: boolean;
  tags?: Record<string, string>;
}

export function findGroup(db: Db, scope: Scope, name: string): GroupRow | undefined {
  return db.prepare("SELECT * FROM log_groups WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as GroupRow | undefined;
}

export function requireGroup(db: Db, scope: Scope, name: string): GroupRow {
  const group = findGroup(db, scope, name);
  if (group === undefined) throw groupNotFound();
  return group;
}

/**
 * Names the model's pattern allows may still be refused: AWS reserves the `aws/` prefix for the
 * groups its own services create.
 */
export function createGroup(db: Db, clock: Clock, scope: Scope, input: CreateGroup): GroupRow {
  if (input.name.startsWith("aws/")) throw invalidParameter("Log group names starting with 'aws/' are reserved for AWS services.");
  if (input.logGroupClass === "DELIVERY") throw invalidParameter("The DELIVERY log group class is only available to log groups created by AWS services.");
  validateTags(input.tags ?? {});
  return db.transaction(() => {
    if (findGroup(db, scope, input.name) !== undefined) throw groupExists();
    db.prepare("INSERT INTO log_groups (account, region, name, created_at, kms_key_id, class, deletion_protection) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(scope.account, scope.region, input.name, clock.now().getTime(), input.kmsKeyId ?? null, input.logGroupClass ?? "STANDARD", input.deletionProtectionEnabled ? 1 : 0);
    putTags(db, groupArn(scope, input.name), input.tags ?? {});
    return findGroup(db, scope, input.name)!;
  })();
}

/** Deletes the group, its streams, its events and its tags. */
export function deleteGroup(db: Db, scope: Scope, name: string): void {
  db.transaction(() => {
    const group = requireGroup(db, scope, name);
    // ValidationException is the code DeleteLogGroup's model lists beside the usual ones.
    if (group.deletion_protection) throw new ServiceError("ValidationException", "Deletion protection is enabled for this log group; disable it before deleting the log group.");
    db.prepare("DELETE FROM log_events WHERE group_id = ?").run(group.id);
    db.prepare("DELETE FROM log_groups WHERE id = ?").run(group.id);
    db.prepare("DELETE FROM tags WHERE arn = ?").run(groupArn(scope, name));
  })();
}

export interface DescribeGroups {
  prefix?: string;
  pattern?: string;
  logGroupClass?: string;
  names?: string[];
  limit?: number;
  nextToken?: string;
}

/** Groups in name order (AWS's byte order), `limit` (default 50) a page, the token naming the last one sent. */
export function describeGroups(db: Db, scope: Scope, q: DescribeGroups): { logGroups: LogGroup[]; nextToken?: string } {
  if (q.prefix !== undefined && q.pattern !== undefined) {
    throw invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
  }
  const after = q.nextToken === undefined ? "" : decodeToken(q.nextToken, (v) => (typeof v === "string" ? v : undefined));
  const limit = q.limit ?? 50;
  let sql = "SELECT * FROM log_groups WHERE account = ? AND region = ? AND name > ?";
  const args: unknown[] = [scope.account, scope.region, after];
  // substr, not LIKE: a prefix may contain LIKE's wildcards, and LIKE ignores case.
  if (q.prefix !== undefined) (sql += " AND substr(name, 1, length(?)) = ?"), args.push(q.prefix, q.prefix);
  // The pattern is a case-insensitive substring match, as AWS documents it.
  if (q.pattern) (sql += " AND instr(lower(name), lower(?)) > 0"), args.push(q.pattern);
  if (q.logGroupClass !== undefined) (sql += " AND class = ?"), args.push(q.logGroupClass);
  if (q.names !== undefined) (sql += ` AND name IN (${q.names.map(() => "?").join(",")})`), args.push(...q.names);
  sql += " ORDER BY name LIMIT ?";
  args.push(limit + 1);
  const rows = db.prepare(sql).all(...args) as GroupRow[];
  const page = rows.slice(0, limit);
  return {
    logGroups: page.map((g) => presentGroup(db, g)),
    ...(rows.length > limit ? { nextToken: encodeToken(page[page.length - 1]!.name) } : {}),
  };
}

export function presentGroup(db: Db, g: GroupRow): LogGroup {
  const arn = groupArn(g, g.name);
  const stored = db.prepare("SELECT coalesce(sum(stored_bytes), 0) AS n FROM log_streams WHERE group_id = ?").get(g.id) as { n: number };
  return {
    logGroupName: g.name,
    creationTime: g.created_at,
    ...(g.retention_days !== null ? { retentionInDays: g.retention_days } : {}),
    metricFilterCount: metricFilterCount(db, g.id),
    arn: `${arn}:*`,
    storedBytes: stored.n,
    ...(g.kms_key_id !== null ? { kmsKeyId: g.kms_key_id } : {}),
    logGroupClass: g.class as LogGroup["logGroupClass"],
    logGroupArn: arn,
    ...(g.deletion_protection ? { deletionProtectionEnabled: true } : {}),
  };
}

/** The retention periods PutRetentionPolicy accepts, in days. */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export function putRetention(db: Db, scope: Scope, name: string, days: number): void {
  if (!RETENTION_DAYS.includes(days)) {
    throw invalidParameter(`1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(", ")}]`);
  }
  const group = requireGroup(db, scope, name);
  db.prepare("UPDATE log_groups SET retention_days = ? WHERE id = ?").run(days, group.id);
}

export function deleteRetention(db: Db, scope: Scope, name: string): void {
  const group = requireGroup(db, scope, name);
  db.prepare("UPDATE log_groups SET retention_days = NULL WHERE id = ?").run(group.id);
}

/** Tag keys may not use the reserved `aws:` prefix; the model checks lengths and characters. */
export function validateTags(tags: Record<string, string>): void {
  for (const key of Object.keys(tags)) {
    if (/^aws:/i.test(key)) throw invalidParameter("Tag keys beginning with 'aws:' are reserved for AWS use.");
  }
}

export function putTags(db: Db, arn: string, tags: Record<string, string>): void {
  const stmt = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
  for (const [key, value] of Object.entries(tags)) stmt.run(arn, key, value);
  const count = (db.prepare("SELECT count(*) AS n FROM tags WHERE arn = ?").get(arn) as { n: number }).n;
  if (count > 50) throw tooManyTags();
}

export function listTags(db: Db, arn: string): Record<string, string> {
  const rows = db.prepare("SELECT key, value FROM tags WHERE arn = ? ORDER BY key").all(arn) as Array<{ key: string; value: string }>;
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export function removeTags(db: Db, arn: string, keys: string[]): void {
  const stmt = db.prepare("DELETE FROM tags WHERE arn = ? AND key = ?");
  for (const key of keys) stmt.run(arn, key);
}
