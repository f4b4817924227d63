import type { FilteredLogEvent, FilterLogEventsResponse } from "@aws-sdk/client-cloudwatch-logs";
import type { Db } from "../store/database.js";
import { invalidParameter } from "./errors.js";
import { compileFilterPattern } from "./filter-pattern/filter-pattern.js";
import { eventBytes, MAX_BATCH_BYTES } from "./log-events.js";
import type { GroupRow } from "./log-groups.js";
import { decodeToken, encodeToken } from "./page-token.js";

export interface FilterEvents {
  logStreamNames?: string[];
  logStreamNamePrefix?: string;
  startTime?: number;
  endTime?: number;
  filterPattern?: string;
  limit?: number;
  nextToken?: string;
}

/** Rows read per query; a call reads several chunks until its page is full. */
const CHUNK_ROWS = 2_000;
/**
 * The most rows one call examines in JavaScript before answering with what it found and a
 * nextToken, as AWS does when a search runs long: a pattern that rejects nearly everything must
 * not hold the event loop for the whole group.
 */
const SCAN_BUDGET_ROWS = 100_000;

/** Event ids are stable and unique in a group: the event's timestamp and id as digits (56, as AWS's). */
export const eventId = (timestamp: number, id: number) => `${String(timestamp).padStart(20, "0")}${String(id).padStart(36, "0")}`;

type Position = [timestamp: number, id: number];

/**
 * FilterLogEvents: a group's events (of some streams) in time order, interleaved across streams,
 * that match the pattern. Terms a match must contain are tested in SQL (instr) so that rows that
 * cannot match never reach JavaScript; the compiled pattern decides the rest.
 */
export function filterLogEvents(db: Db, group: GroupRow, q: FilterEvents): FilterLogEventsResponse {
  if (q.logStreamNames !== undefined && q.logStreamNamePrefix !== undefined) {
    throw invalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
  }
  const pattern = compileFilterPattern(q.filterPattern ?? "");
  const limit = q.limit ?? 10_000;
  const streams = selectStreams(db, group, q);
  if (streams !== undefined && streams.size === 0) return { events: [], searchedLogStreams: [] };
  const names = streams ?? new Map<number, string>();
  const nameOf = (id: number) => {
    let name = names.get(id);
    if (name === undefined) {
      name = (db.prepare("SELECT name FROM log_streams WHERE id = ?").get(id) as { name: string } | undefined)?.name ?? "";
      names.set(id, name);
    }
    return name;
  };
  let at: Position = q.nextToken !== undefined
    ? decodeToken<Position>(q.nextToken, (v) => (Array.isArray(v) && v.length === 2 && v.every(Number.isSafeInteger) ? (v as Position) : undefined))
    : [-1, 0];
  let sql = `SELECT timestamp, id, stream_id, ingestion_time, message FROM log_events
    WHERE group_id = ? AND (timestamp, id) > (?, ?) AND timestamp >= ? AND timestamp <= ?`;
  const fixed: unknown[] = [q.startTime ?? 0, q.endTime ?? Number.MAX_SAFE_INTEGER];
  if (streams !== undefined) (sql += ` AND stream_id IN (${[...streams.keys()].join(",")})`);
  for (const term of pattern.requiredTerms) (sql += " AND instr(message, ?) > 0"), fixed.push(term);
  sql += " ORDER BY timestamp, id LIMIT ?";
  const statement = db.prepare(sql);

  const events: FilteredLogEvent[] = [];
  let bytes = 0;
  let scanned = 0;
  for (;;) {
    const rows = statement.all(group.id, at[0], at[1], ...fixed, CHUNK_ROWS) as Array<{ timestamp: number; id: number; stream_id: number; ingestion_time: number; message: string }>;
    for (const r of rows) {
      scanned++;
      if (pattern.matches(r.message)) {
        const size = eventBytes(r.message);
        if (events.length >= limit || bytes + size > MAX_BATCH_BYTES) return { events, nextToken: encodeToken(at), searchedLogStreams: [] };
        bytes += size;
        events.push({ logStreamName: nameOf(r.stream_id), timestamp: r.timestamp, message: r.message, ingestionTime: r.ingestion_time, eventId: eventId(r.timestamp, r.id) });
      }
      at = [r.timestamp, r.id];
      if (events.length >= limit || scanned >= SCAN_BUDGET_ROWS) return { events, nextToken: encodeToken(at), searchedLogStreams: [] };
    }
    if (rows.length < CHUNK_ROWS) return { events, searchedLogStreams: [] };
  }
}

/** The streams named or prefixed (id to name), or undefined for all of the group's. */
function selectStreams(db: Db, group: GroupRow, q: FilterEvents): Map<number, string> | undefined {
  let rows: Array<{ id: number; name: string }>;
  if (q.logStreamNames !== undefined) {
    rows = db.prepare(`SELECT id, name FROM log_streams WHERE group_id = ? AND name IN (${q.logStreamNames.map(() => "?").join(",")})`).all(group.id, ...q.logStreamNames) as typeof rows;
  } else if (q.logStreamNamePrefix !== undefined) {
    rows = db.prepare("SELECT id, name FROM log_streams WHERE group_id = ? AND substr(name, 1, length(?)) = ?").all(group.id, q.logStreamNamePrefix, q.logStreamNamePrefix) as typeof rows;
  } else return undefined;
  return new Map(rows.map((r) => [r.id, r.name]));
}
