import type { Scope } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Db } from "../store/database.js";
import { checkBatch, classify, appendEvents, MAX_EVENT_BYTES, EVENT_OVERHEAD_BYTES, type InputEvent } from "./log-events.js";
import { createGroup, findGroup, requireGroup, type GroupRow } from "./log-groups.js";
import { createStream, findStream, requireStream, sequenceToken, type StreamRow } from "./log-streams.js";
import type { LogLine, LogSink } from "./log-sink.js";
import type { PutLogEventsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { expireEvents } from "./retention.js";
import type { MetricSink } from "../cloudwatch/metrics/metric-sink.js";
import { createMetricFilterPublisher } from "./metric-filters.js";

/** Events just stored in a stream (in order), as a live tail sees them. */
export interface StoredEvents {
  scope: Scope;
  group: GroupRow;
  stream: string;
  events: InputEvent[];
  ingestionTime: number;
}

export interface LogStore extends LogSink {
  /** Calls `listener` with every append (PutLogEvents and the awslogs driver) until the returned function is called. */
  onStored(listener: (stored: StoredEvents) => void): () => void;
  db: Db;
  clock: Clock;
  /** PutLogEvents: the batch rules refuse the whole batch; too old, expired and too new events are reported. */
  putLogEvents(scope: Scope, group: string, stream: string, events: InputEvent[]): PutLogEventsResponse;
  /** Deletes what retention policies expired by now; returns how many events went. */
  expire(): number;
  /** Expires on a timer (every intervalMs) until stop(). */
  startRetention(opts: { intervalMs: number; log: Logger }): { stop(): void };
}

/**
 * The CloudWatch Logs store: what the API's handlers use, and the LogSink the awslogs driver
 * delivers through. Both append here, so the groups' metric filters see every stored event and
 * publish to `metrics` (CloudWatch metrics) when given.
 */
export function createLogStore({ db, clock, metrics }: { db: Db; clock: Clock; metrics?: MetricSink }): LogStore {
  const now = () => clock.now().getTime();
  const filters = metrics === undefined ? undefined : createMetricFilterPublisher(db, metrics);
  const listeners = new Set<(stored: StoredEvents) => void>();
  /**
   * Appends, and the metric filters publish in the same transaction (a failure stores neither, so
   * a client's retry counts nothing twice); then live tails see the events.
   */
  const append = (scope: Scope, group: GroupRow, stream: StreamRow, events: InputEvent[], ingestionTime: number): number => {
    const next = db.transaction(() => {
      const n = appendEvents(db, group, stream, events, ingestionTime);
      filters?.publish(scope, group, events);
      return n;
    })();
    if (events.length > 0) for (const l of listeners) l({ scope, group, stream: stream.name, events, ingestionTime });
    return next;
  };

  function putLogEvents(scope: Scope, groupName: string, streamName: string, events: InputEvent[]): PutLogEventsResponse {
    const group = requireGroup(db, scope, groupName);
    const stream = requireStream(db, group, streamName);
    checkBatch(events);
    const t = now();
    const { from, to, rejected } = classify(events, t, group.retention_days);
    const next = append(scope, group, stream, events.slice(from, to), t);
    return { nextSequenceToken: sequenceToken(next), ...(rejected ? { rejectedLogEventsInfo: rejected } : {}) };
  }

  const sink: LogSink = {
    ensureGroup(scope, group, create) {
      if (findGroup(db, scope, group) !== undefined) return;
      if (!create) requireGroup(db, scope, group);
      createGroup(db, clock, scope, { name: group });
    },
    ensureStream(scope, groupName, streamName) {
      const group = requireGroup(db, scope, groupName);
      if (findStream(db, group, streamName) === undefined) createStream(db, clock, group, streamName);
    },
    append(scope, groupName, streamName, lines) {
      const group = requireGroup(db, scope, groupName);
      const stream = requireStream(db, group, streamName);
      const t = now();
      const events = acceptable(lines, t, group);
      append(scope, group, stream, events, t);
    },
  };

  return {
    db,
    clock,
    ...sink,
    putLogEvents,
    onStored(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    expire: () => expireEvents(db, now()),
    startRetention({ intervalMs, log }) {
      const timer = setInterval(() => {
        try {
          const expired = expireEvents(db, now());
          if (expired > 0) log.info({ expired }, "log events expired by retention");
        } catch (err) {
          log.error({ err }, "could not expire log events");
        }
      }, intervalMs);
      timer.unref();
      return { stop: () => clearInterval(timer) };
    },
  };
}

/**
 * The driver's lines under PutLogEvents' rules: empty lines are skipped (the API refuses empty
 * messages), a line too large for one event is split as Docker's awslogs driver splits it, the
 * lines are put in time order, and those PutLogEvents would reject (too old, expired, too new) are
 * dropped. The batch limits do not apply: they bound a request, not what is stored.
 */
function acceptable(lines: LogLine[], now: number, group: GroupRow): InputEvent[] {
  const max = MAX_EVENT_BYTES - EVENT_OVERHEAD_BYTES;
  const events: InputEvent[] = [];
  for (const { timestamp, message } of lines) {
    if (message === "") continue;
    if (Buffer.byteLength(message, "utf8") <= max) {
      events.push({ timestamp, message });
      continue;
    }
    for (const part of splitUtf8(message, max)) events.push({ timestamp, message: part });
  }
  // A stable sort keeps lines with one timestamp in the order they were printed.
  events.sort((a, b) => a.timestamp - b.timestamp);
  const { from, to } = classify(events, now, group.retention_days);
  return events.slice(from, to);
}

/** Pieces of at most `max` UTF-8 bytes, never cutting a character. */
function splitUtf8(s: string, max: number): string[] {
  const parts: string[] = [];
  let part = "";
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, "utf8");
    if (bytes + n > max) (parts.push(part), (part = ""), (bytes = 0));
    part += ch;
    bytes += n;
  }
  if (part !== "") parts.push(part);
  return parts;
}
