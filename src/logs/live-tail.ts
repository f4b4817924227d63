import type { LiveTailSessionLogEvent, StartLiveTailRequest } from "@aws-sdk/client-cloudwatch-logs";
import { EventStreamOutput, type EventStreamMessage } from "../aws/event-stream.js";
import { invalidParameter } from "./errors.js";
import { compileFilterPattern } from "./filter-pattern/filter-pattern.js";
import type { GroupRow } from "./log-groups.js";
import type { LogStore, StoredEvents } from "./log-store.js";

/** How often a session sends what arrived (AWS: about once a second). */
export const UPDATE_INTERVAL_MS = 1_000;
/** The most events one update carries; beyond it the update is a sample (sessionMetadata.sampled). */
export const MAX_EVENTS_PER_UPDATE = 500;
/** A session ends with SessionTimeoutException after this long, as AWS's do after 3 hours. */
export const SESSION_MS = 3 * 3_600_000;

export interface LiveTailOptions {
  requestId: string;
  sessionId: string;
  /** The groups the identifiers name, each with the identifier as the caller gave it. */
  groups: Array<{ group: GroupRow; identifier: string }>;
  updateIntervalMs?: number;
  sessionMs?: number;
}

/**
 * StartLiveTail: sessionStart, then every second a sessionUpdate with the events the groups
 * (and streams) ingested meanwhile that match the pattern, until the caller goes away or the
 * session times out. Events reach the session as they are stored (LogStore.onStored), so a tail
 * costs nothing while nothing is written, and memory is bounded by one update's sample.
 */
export function startLiveTail(store: LogStore, input: StartLiveTailRequest, opts: LiveTailOptions): EventStreamOutput {
  if (input.logStreamNames !== undefined && input.logStreamNamePrefixes !== undefined) {
    throw invalidParameter("logStreamNames and logStreamNamePrefixes are mutually exclusive parameters.");
  }
  if ((input.logStreamNames !== undefined || input.logStreamNamePrefixes !== undefined) && opts.groups.length !== 1) {
    throw invalidParameter("logStreamNames and logStreamNamePrefixes can only be used with exactly one log group.");
  }
  const pattern = compileFilterPattern(input.logEventFilterPattern ?? "");
  const names = input.logStreamNames === undefined ? undefined : new Set(input.logStreamNames);
  const prefixes = input.logStreamNamePrefixes;
  const wanted = (stream: string) => (names === undefined || names.has(stream)) && (prefixes === undefined || prefixes.some((p) => stream.startsWith(p)));
  const identifiers = new Map(opts.groups.map((g) => [g.group.id, g.identifier]));
  const interval = opts.updateIntervalMs ?? UPDATE_INTERVAL_MS;
  const sessionMs = opts.sessionMs ?? SESSION_MS;

  async function* messages(): AsyncGenerator<EventStreamMessage> {
    let pending: LiveTailSessionLogEvent[] = [];
    let seen = 0;
    const listen = (s: StoredEvents) => {
      const identifier = identifiers.get(s.group.id);
      if (identifier === undefined || !wanted(s.stream)) return;
      for (const e of s.events) {
        if (!pattern.matches(e.message)) continue;
        seen++;
        const event = { logStreamName: s.stream, logGroupIdentifier: identifier, message: e.message, timestamp: e.timestamp, ingestionTime: s.ingestionTime };
        // Reservoir sampling keeps a fair sample of a busy second in bounded memory.
        if (pending.length < MAX_EVENTS_PER_UPDATE) pending.push(event);
        else {
          const k = Math.floor(Math.random() * seen);
          if (k < MAX_EVENTS_PER_UPDATE) pending[k] = event;
        }
      }
    };
    const unsubscribe = store.onStored(listen);
    try {
      yield {
        event: "sessionStart",
        payload: {
          requestId: opts.requestId, sessionId: opts.sessionId, logGroupIdentifiers: opts.groups.map((g) => g.identifier),
          ...(input.logStreamNames ? { logStreamNames: input.logStreamNames } : {}),
          ...(input.logStreamNamePrefixes ? { logStreamNamePrefixes: input.logStreamNamePrefixes } : {}),
          ...(input.logEventFilterPattern !== undefined ? { logEventFilterPattern: input.logEventFilterPattern } : {}),
        },
      };
      const end = Date.now() + sessionMs;
      while (Date.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(0, end - Date.now()))));
        const results = pending.sort((a, b) => a.timestamp! - b.timestamp!);
        const sampled = seen > results.length;
        pending = [];
        seen = 0;
        yield { event: "sessionUpdate", payload: { sessionMetadata: { sampled }, sessionResults: results } };
      }
      yield { exception: "SessionTimeoutException", payload: { message: "Session timed out." } };
    } finally {
      unsubscribe();
    }
  }
  return new EventStreamOutput(messages());
}
