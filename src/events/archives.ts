import type * as W from "@aws-sdk/client-eventbridge";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import { alreadyExists, busNotFound, notFound, validation } from "./errors.js";
import { busArn, requireBus } from "./event-buses.js";
import { checkPattern, pageOf } from "./event-rules.js";
import { patternOf } from "./patterns/pattern-cache.js";

/** The stored archive: DescribeArchive's shape with the creation time as epoch ms (counts are read from the events). */
interface ArchiveDoc {
  ArchiveName: string; ArchiveArn: string; EventSourceArn: string; Description?: string; EventPattern?: string;
  RetentionDays: number; KmsKeyIdentifier?: string; State: W.ArchiveState; CreationTime: number;
}

const DAY_MS = 86_400_000;
export const archiveArn = (s: Scope, name: string) => `arn:aws:events:${s.region}:${s.account}:archive/${name}`;
export const archiveNotFound = (name: string) => notFound(`Archive ${name} does not exist.`);

/** The bus an EventSourceArn names, which must be one of this account's and region's. */
function sourceBus(db: Db, clock: Clock, scope: Scope, arn: string) {
  const m = /^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/.exec(arn);
  if (!m) throw validation(`Parameter EventSourceArn is not valid. Reason: Provided Arn is not in correct format.`);
  if (m[1] !== scope.region || m[2] !== scope.account) throw busNotFound(m[3]!);
  return requireBus(db, clock, scope, m[3]!);
}

export function findArchive(db: Db, scope: Scope, name: string): ArchiveDoc | undefined {
  const row = db.prepare("SELECT doc FROM event_archives WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as ArchiveDoc) : undefined;
}

export function requireArchive(db: Db, scope: Scope, name: string): ArchiveDoc {
  const a = findArchive(db, scope, name);
  if (!a) throw archiveNotFound(name);
  return a;
}

function save(db: Db, scope: Scope, a: ArchiveDoc) {
  db.prepare(
    `INSERT INTO event_archives (account, region, name, arn, bus_arn, pattern, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account, region, name) DO UPDATE SET pattern = excluded.pattern, doc = excluded.doc`,
  ).run(scope.account, scope.region, a.ArchiveName, a.ArchiveArn, a.EventSourceArn, a.EventPattern ?? null, JSON.stringify(a));
}

/** EventCount and SizeBytes: what the archive holds now. */
function counts(db: Db, arn: string) {
  const r = db.prepare("SELECT count(*) AS n, coalesce(sum(length(CAST(event AS BLOB))), 0) AS bytes FROM archived_events WHERE archive_arn = ?").get(arn) as { n: number; bytes: number };
  return { EventCount: r.n, SizeBytes: r.bytes };
}

const brief = (a: ArchiveDoc) => ({ ArchiveArn: a.ArchiveArn, State: a.State, CreationTime: new Date(a.CreationTime) });

export function createArchive(db: Db, clock: Clock, scope: Scope, input: W.CreateArchiveRequest) {
  if (input.EventPattern !== undefined) checkPattern(input.EventPattern);
  return db.transaction(() => {
    const bus = sourceBus(db, clock, scope, input.EventSourceArn!);
    if (findArchive(db, scope, input.ArchiveName!)) throw alreadyExists(`Archive ${input.ArchiveName} already exists.`);
    const a: ArchiveDoc = {
      ArchiveName: input.ArchiveName!, ArchiveArn: archiveArn(scope, input.ArchiveName!), EventSourceArn: bus.Arn,
      Description: input.Description, EventPattern: input.EventPattern, RetentionDays: input.RetentionDays ?? 0,
      KmsKeyIdentifier: input.KmsKeyIdentifier, State: "ENABLED", CreationTime: clock.now().getTime(),
    };
    save(db, scope, a);
    return brief(a);
  })();
}

export function describeArchive(db: Db, scope: Scope, name: string): W.DescribeArchiveResponse {
  const a = requireArchive(db, scope, name);
  return { ...a, CreationTime: new Date(a.CreationTime), ...counts(db, a.ArchiveArn) };
}

export function listArchives(db: Db, clock: Clock, scope: Scope, input: W.ListArchivesRequest): W.ListArchivesResponse {
  const bus = input.EventSourceArn === undefined ? undefined : sourceBus(db, clock, scope, input.EventSourceArn).Arn;
  const rows = db.prepare("SELECT doc FROM event_archives WHERE account = ? AND region = ? ORDER BY name").all(scope.account, scope.region) as Array<{ doc: string }>;
  const archives = rows.map((r) => JSON.parse(r.doc) as ArchiveDoc).filter((a) =>
    (bus === undefined || a.EventSourceArn === bus) && (input.State === undefined || a.State === input.State) &&
    (input.NamePrefix === undefined || a.ArchiveName.startsWith(input.NamePrefix)));
  const { page, next } = pageOf(archives, input.NextToken, input.Limit);
  return {
    Archives: page.map((a) => ({
      ArchiveName: a.ArchiveName, EventSourceArn: a.EventSourceArn, State: a.State, RetentionDays: a.RetentionDays,
      CreationTime: new Date(a.CreationTime), ...counts(db, a.ArchiveArn),
    })),
    NextToken: next,
  };
}

export function updateArchive(db: Db, scope: Scope, input: W.UpdateArchiveRequest) {
  if (input.EventPattern !== undefined) checkPattern(input.EventPattern);
  return db.transaction(() => {
    const a = requireArchive(db, scope, input.ArchiveName!);
    const next: ArchiveDoc = { ...a };
    if (input.Description !== undefined) next.Description = input.Description;
    if (input.EventPattern !== undefined) next.EventPattern = input.EventPattern;
    if (input.RetentionDays !== undefined) next.RetentionDays = input.RetentionDays;
    if (input.KmsKeyIdentifier !== undefined) next.KmsKeyIdentifier = input.KmsKeyIdentifier;
    save(db, scope, next);
    return brief(next);
  })();
}

/** Deleting an archive deletes the events it holds. */
export function deleteArchive(db: Db, scope: Scope, name: string) {
  db.transaction(() => {
    const a = requireArchive(db, scope, name);
    db.prepare("DELETE FROM archived_events WHERE archive_arn = ?").run(a.ArchiveArn);
    db.prepare("DELETE FROM event_archives WHERE arn = ?").run(a.ArchiveArn);
  })();
}

/**
 * Keeps an event that reached a bus in each of the bus's archives whose pattern it matches (an
 * archive without a pattern keeps every event), in the caller's transaction.
 */
export function archiveEvent(db: Db, scope: Scope, bus: string, event: object, now: number): void {
  const archives = db.prepare("SELECT arn, pattern FROM event_archives WHERE bus_arn = ?").all(busArn(scope, bus)) as Array<{ arn: string; pattern: string | null }>;
  if (archives.length === 0) return;
  const text = JSON.stringify(event);
  for (const a of archives) {
    if (a.pattern !== null && !patternOf(a.pattern).matches(event as Record<string, unknown>)) continue;
    db.prepare("INSERT INTO archived_events (archive_arn, archived_at, event) VALUES (?, ?, ?)").run(a.arn, now, text);
  }
}

/** Events older than their archive's retention (0 days: kept forever) are deleted. */
export function pruneArchives(db: Db, now: number): void {
  const archives = db.prepare("SELECT arn, doc FROM event_archives").all() as Array<{ arn: string; doc: string }>;
  for (const a of archives) {
    const days = (JSON.parse(a.doc) as ArchiveDoc).RetentionDays;
    if (days > 0) db.prepare("DELETE FROM archived_events WHERE archive_arn = ? AND archived_at < ?").run(a.arn, now - days * DAY_MS);
  }
}
