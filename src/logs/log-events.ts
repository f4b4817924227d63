import type { RejectedLogEventsInfo } from "@aws-sdk/client-cloudwatch-logs";
import type { Db } from "../store/database.js";
import { invalidParameter } from "./errors.js";
import type { GroupRow } from "./log-groups.js";
import type { StreamRow } from "./log-streams.js";

export interface InputEvent {
  timestamp: number;
  message: string;
}

/** PutLogEvents' limits, as the API reference states them. */
export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
/** Each event counts its UTF-8 message plus this much towards the batch size (and its own). */
export const EVENT_OVERHEAD_BYTES = 26;
export const MAX_EVENT_BYTES = 262_144;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Events older than this, or newer than MAX_FUTURE_MS ahead, are rejected (reported, not stored). */
export const MAX_AGE_MS = 14 * DAY_MS;
export const MAX_FUTURE_MS = 2 * HOUR_MS;
/** A batch may not span more than this from its first event to its last. */
export const MAX_SPAN_MS = DAY_MS;

export const eventBytes = (message: string) => Buffer.byteLength(message, "utf8") + EVENT_OVERHEAD_BYTES;

/** The rules that refuse a whole PutLogEvents batch (nothing is stored), in the order AWS applies them. */
export function checkBatch(events: InputEvent[]): void {
  if (events.length > MAX_BATCH_EVENTS) {
    throw invalidParameter(`1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_EVENTS}`);
  }
  let total = 0;
  for (const e of events) {
    const size = eventBytes(e.message);
    if (size > MAX_EVENT_BYTES) throw invalidParameter(`Log event too large: ${size} bytes exceeds limit of ${MAX_EVENT_BYTES}`);
    total += size;
  }
  if (total > MAX_BATCH_BYTES) throw invalidParameter(`Upload too large: ${total} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.timestamp < events[i - 1]!.timestamp) {
      throw invalidParameter("Log events in a single PutLogEvents request must be in chronological order.");
    }
  }
  if (events.length > 1 && events[events.length - 1]!.timestamp - events[0]!.timestamp > MAX_SPAN_MS) {
    throw invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
  }
}

/**
 * Which events of a chronological batch are stored: a prefix may be too old (beyond 14 days) or
 * expired (beyond the group's retention), a suffix too new (more than 2 hours ahead). The end
 * indexes are exclusive (the number of events rejected at the head), the start index inclusive.
 */
export function classify(events: InputEvent[], now: number, retentionDays: number | null): { from: number; to: number; rejected?: RejectedLogEventsInfo } {
  const oldest = now - MAX_AGE_MS;
  const retained = retentionDays === null ? -Infinity : now - retentionDays * DAY_MS;
  const newest = now + MAX_FUTURE_MS;
  let tooOld = 0;
  let expired = 0;
  let from = 0;
  while (from < events.length && (events[from]!.timestamp < oldest || events[from]!.timestamp < retained)) {
    if (events[from]!.timestamp < oldest) tooOld = from + 1;
    if (events[from]!.timestamp < retained) expired = from + 1;
    from++;
  }
  let to = events.length;
  while (to > from && events[to - 1]!.timestamp > newest) to--;
  const rejected: RejectedLogEventsInfo = {
    ...(tooOld > 0 ? { tooOldLogEventEndIndex: tooOld } : {}),
    ...(expired > 0 ? { expiredLogEventEndIndex: expired } : {}),
    ...(to < events.length ? { tooNewLogEventStartIndex: to } : {}),
  };
  return { from, to, ...(Object.keys(rejected).length > 0 ? { rejected } : {}) };
}

const ROWS_PER_INSERT = 100;

/** `INSERT ... VALUES (...), (...)` for `rows` events (better-sqlite3 caches prepared statements by text). */
const insertRows = (db: Db, rows: number) =>
  db.prepare(`INSERT INTO log_events (group_id, timestamp, id, stream_id, ingestion_time, message) VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?)").join(", ")}`);

/**
 * Appends events (already accepted, in order) to a stream in one transaction: each gets the
 * group's next event id, and the stream's first/last event and ingestion times move.
 * Returns the group's next event id afterwards (the sequence token's source).
 */
export function appendEvents(db: Db, group: GroupRow, stream: StreamRow, events: InputEvent[], now: number): number {
  return db.transaction(() => {
    let next = (db.prepare("SELECT next_event_id AS n FROM log_groups WHERE id = ?").get(group.id) as { n: number }).n;
    if (events.length === 0) return next;
    let bytes = 0;
    let first = Infinity;
    let last = -Infinity;
    // Rows go ROWS_PER_INSERT to a statement: one call into SQLite per row was most of an
    // ingest's cost (docs/benchmarks.md).
    const many = insertRows(db, ROWS_PER_INSERT);
    const params: unknown[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      params.push(group.id, e.timestamp, next++, stream.id, now, e.message);
      bytes += Buffer.byteLength(e.message, "utf8");
      if (e.timestamp < first) first = e.timestamp;
      if (e.timestamp > last) last = e.timestamp;
      if (params.length === ROWS_PER_INSERT * 6) (many.run(params), (params.length = 0));
    }
    // The rest one by one, so that only two statements are ever cached.
    const one = insertRows(db, 1);
    for (let i = 0; i < params.length; i += 6) one.run(params.slice(i, i + 6));
    db.prepare("UPDATE log_groups SET next_event_id = ? WHERE id = ?").run(next, group.id);
    db.prepare(
      `UPDATE log_streams SET first_event = min(coalesce(first_event, @first), @first), last_event = max(coalesce(last_event, @last), @last),
         last_ingestion = @now, stored_bytes = stored_bytes + @bytes WHERE id = @id`,
    ).run({ first, last, now, bytes, id: stream.id });
    return next;
  })();
}
