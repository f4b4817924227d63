import type { LogStream } from "@aws-sdk/client-cloudwatch-logs";
import type { Clock } from "../core/clock.js";
import type { Db } from "../store/database.js";
import { invalidParameter, streamExists, streamNotFound } from "./errors.js";
import { groupArn, type GroupRow } from "./log-groups.js";
import { decodeToken, encodeToken } from "./page-token.js";

export interface StreamRow {
  id: number;
  group_id: number;
  name: string;
  created_at: number;
  first_event: number | null;
  last_event: number | null;
  last_ingestion: number | null;
  stored_bytes: number;
}

export function findStream(db: Db, group: GroupRow, name: string): StreamRow | undefined {
  return db.prepare("SELECT * FROM log_streams WHERE group_id = ? AND name = ?").get(group.id, name) as StreamRow | undefined;
}

export function requireStream(db: Db, group: GroupRow, name: string): StreamRow {
  const stream = findStream(db, group, name);
  if (stream === undefined) throw streamNotFound();
  return stream;
}

export function createStream(db: Db, clock: Clock, group: GroupRow, name: string): StreamRow {
  if (findStream(db, group, name) !== undefined) throw streamExists();
  db.prepare("INSERT INTO log_streams (group_id, name, created_at) VALUES (?, ?, ?)").run(group.id, name, clock.now().getTime());
  return findStream(db, group, name)!;
}

export function deleteStream(db: Db, group: GroupRow, name: string): void {
  db.transaction(() => {
    const stream = requireStream(db, group, name);
    db.prepare("DELETE FROM log_events WHERE stream_id = ?").run(stream.id);
    db.prepare("DELETE FROM log_streams WHERE id = ?").run(stream.id);
  })();
}

export interface DescribeStreams {
  prefix?: string;
  orderBy?: "LogStreamName" | "LastEventTime";
  descending?: boolean;
  limit?: number;
  nextToken?: string;
}

type Position = [number | string | null, number];

/**
 * Streams ordered by name or by last event time (streams with no event yet count as oldest),
 * ascending unless `descending`. The token is the sort key and id of the last stream sent.
 */
export function describeStreams(db: Db, group: GroupRow, q: DescribeStreams): { logStreams: LogStream[]; nextToken?: string } {
  const byTime = q.orderBy === "LastEventTime";
  if (byTime && q.prefix !== undefined) throw invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  const limit = q.limit ?? 50;
  // NULL sorts first; coalesce gives streams without events a key that orders the same way.
  const key = byTime ? "coalesce(last_event, -1)" : "name";
  const dir = q.descending ? "DESC" : "ASC";
  const cmp = q.descending ? "<" : ">";
  let sql = `SELECT *, ${key} AS sort_key FROM log_streams WHERE group_id = ?`;
  const args: unknown[] = [group.id];
  if (q.prefix !== undefined) (sql += " AND substr(name, 1, length(?)) = ?"), args.push(q.prefix, q.prefix);
  if (q.nextToken !== undefined) {
    const [k, id] = decodeToken<Position>(q.nextToken, (v) => (Array.isArray(v) && v.length === 2 && typeof v[1] === "number" && typeof v[0] === (byTime ? "number" : "string") ? (v as Position) : undefined));
    (sql += ` AND (${key}, id) ${cmp} (?, ?)`), args.push(k, id);
  }
  sql += ` ORDER BY ${key} ${dir}, id ${dir} LIMIT ?`;
  args.push(limit + 1);
  const rows = db.prepare(sql).all(...args) as Array<StreamRow & { sort_key: number | string }>;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    logStreams: page.map((s) => presentStream(group, s)),
    ...(rows.length > limit && last ? { nextToken: encodeToken([last.sort_key, last.id]) } : {}),
  };
}

export function presentStream(group: GroupRow, s: StreamRow): LogStream {
  return {
    logStreamName: s.name,
    creationTime: s.created_at,
    ...(s.first_event !== null ? { firstEventTimestamp: s.first_event } : {}),
    ...(s.last_event !== null ? { lastEventTimestamp: s.last_event } : {}),
    ...(s.last_ingestion !== null ? { lastIngestionTime: s.last_ingestion } : {}),
    uploadSequenceToken: sequenceToken(group.next_event_id),
    arn: `${groupArn(group, group.name)}:log-stream:${s.name}`,
    // Deprecated in AWS's API, which always answers 0.
    storedBytes: 0,
  };
}

/** Sequence tokens are ignored on input; the one returned is AWS-shaped (a long digit string) and grows with each batch. */
export const sequenceToken = (n: number) => String(n).padStart(56, "0");
