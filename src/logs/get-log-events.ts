import type { GetLogEventsResponse, OutputLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import type { Db } from "../store/database.js";
import { invalidToken } from "./errors.js";
import { eventBytes, MAX_BATCH_BYTES } from "./log-events.js";
import type { StreamRow } from "./log-streams.js";

export interface GetEvents {
  startTime?: number;
  endTime?: number;
  startFromHead?: boolean;
  limit?: number;
  nextToken?: string;
}

/** A place between two events of a stream: events order by (timestamp, id). */
type Position = [timestamp: number, id: number];
const HEAD: Position = [0, 0];
const TAIL: Position = [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];

/** Tokens look like AWS's (`f/` or `b/` and digits): the position's timestamp and id, 16 digits each. */
const token = (dir: "f" | "b", [t, id]: Position) => `${dir}/${String(t).padStart(16, "0")}${String(id).padStart(16, "0")}`;

function parseToken(s: string): { dir: "f" | "b"; at: Position } {
  const m = /^([fb])\/(\d{16})(\d{16})$/.exec(s);
  if (!m) throw invalidToken();
  return { dir: m[1] as "f" | "b", at: [Number(m[2]), Number(m[3])] };
}

interface Row {
  timestamp: number;
  id: number;
  ingestion_time: number;
  message: string;
}

/**
 * GetLogEvents as AWS pages it. Reading forward (startFromHead, or an `f/` token) returns the
 * oldest events after the position; reading backward (the default, or a `b/` token) the newest
 * before it, oldest first either way; at most `limit` (10,000) events or 1 MB. The tokens name the
 * edges of what was returned; when nothing was, the token that was passed comes back unchanged, so
 * a reader following nextForwardToken sees new events as they arrive and knows it is at the end.
 */
export function getLogEvents(db: Db, stream: StreamRow, q: GetEvents): GetLogEventsResponse {
  const limit = q.limit ?? 10_000;
  const start = q.startTime ?? 0;
  const end = q.endTime ?? Number.MAX_SAFE_INTEGER;
  const { dir, at } = q.nextToken !== undefined ? parseToken(q.nextToken) : q.startFromHead ? { dir: "f" as const, at: HEAD } : { dir: "b" as const, at: TAIL };
  const forward = dir === "f";
  const rows = db.prepare(
    `SELECT timestamp, id, ingestion_time, message FROM log_events
     WHERE stream_id = ? AND (timestamp, id) ${forward ? ">" : "<"} (?, ?) AND timestamp >= ? AND timestamp < ?
     ORDER BY timestamp ${forward ? "ASC" : "DESC"}, id ${forward ? "ASC" : "DESC"} LIMIT ?`,
  ).all(stream.id, at[0], at[1], start, end, limit) as Row[];
  let bytes = 0;
  let n = 0;
  while (n < rows.length && bytes + eventBytes(rows[n]!.message) <= MAX_BATCH_BYTES) bytes += eventBytes(rows[n++]!.message);
  const page = rows.slice(0, n);
  if (!forward) page.reverse();
  const events: OutputLogEvent[] = page.map((r) => ({ timestamp: r.timestamp, message: r.message, ingestionTime: r.ingestion_time }));
  const first = page[0];
  const last = page[page.length - 1];
  // An empty backward read from the tail (an empty stream): following forward must start at the head.
  const empty = at === TAIL ? HEAD : at;
  return {
    events,
    nextForwardToken: token("f", last ? [last.timestamp, last.id] : forward ? at : empty),
    nextBackwardToken: token("b", first ? [first.timestamp, first.id] : at),
  };
}
