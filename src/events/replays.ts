import type * as W from "@aws-sdk/client-eventbridge";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import { ServiceError } from "../core/errors.js";
import { alreadyExists, notFound, validation } from "./errors.js";
import { archiveNotFound, findArchive } from "./archives.js";
import { pageOf } from "./event-rules.js";
import { routeEvent, type BusEvent } from "./event-router.js";

/** The stored replay: DescribeReplay's shape with times as epoch ms. */
interface ReplayDoc {
  ReplayName: string; ReplayArn: string; Description?: string; EventSourceArn: string; Destination: W.ReplayDestination;
  State: W.ReplayState; StateReason?: string; EventStartTime: number; EventEndTime: number;
  EventLastReplayedTime?: number; ReplayStartTime: number; ReplayEndTime?: number;
}

/** Archived events replayed per transaction: a cancel is seen between batches. */
const BATCH = 100;
const ACTIVE: W.ReplayState[] = ["STARTING", "RUNNING", "CANCELLING"];

const replayArn = (s: Scope, name: string) => `arn:aws:events:${s.region}:${s.account}:replay/${name}`;
const replayNotFound = (name: string) => notFound(`Replay ${name} does not exist.`);
const ms = (d: Date | undefined) => (d instanceof Date ? d.getTime() : new Date(d as unknown as string).getTime());
const date = (n: number | undefined) => (n === undefined ? undefined : new Date(n));

function find(db: Db, scope: Scope, name: string): ReplayDoc | undefined {
  const row = db.prepare("SELECT doc FROM event_replays WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as ReplayDoc) : undefined;
}

function save(db: Db, scope: Scope, r: ReplayDoc, position?: number) {
  db.prepare(
    `INSERT INTO event_replays (account, region, name, arn, state, doc) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (account, region, name) DO UPDATE SET state = excluded.state, doc = excluded.doc`,
  ).run(scope.account, scope.region, r.ReplayName, r.ReplayArn, r.State, JSON.stringify(r));
  if (position !== undefined) db.prepare("UPDATE event_replays SET position = ? WHERE arn = ?").run(position, r.ReplayArn);
}

/** StartReplay: checks the window and destination; the delivery worker runs the replay (advanceReplays). */
export function startReplay(db: Db, clock: Clock, scope: Scope, input: W.StartReplayRequest) {
  const start = ms(input.EventStartTime);
  const end = ms(input.EventEndTime);
  if (!(start < end)) throw validation("Parameter EventStartTime is not valid. Reason: EventStartTime must be before EventEndTime.");
  return db.transaction(() => {
    const m = /^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):archive\/(.+)$/.exec(input.EventSourceArn!);
    const archive = m && m[1] === scope.region && m[2] === scope.account ? findArchive(db, scope, m[3]!) : undefined;
    if (!archive) throw archiveNotFound(input.EventSourceArn!.split("/").pop()!);
    if (input.Destination!.Arn !== archive.EventSourceArn) throw validation("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.");
    if (find(db, scope, input.ReplayName!)) throw alreadyExists(`Replay ${input.ReplayName} already exists.`);
    const now = clock.now().getTime();
    const r: ReplayDoc = {
      ReplayName: input.ReplayName!, ReplayArn: replayArn(scope, input.ReplayName!), Description: input.Description,
      EventSourceArn: archive.ArchiveArn, Destination: input.Destination!, State: "STARTING",
      // Events archived after the replay started are not part of it, whatever the end of the window.
      EventStartTime: start, EventEndTime: Math.min(end, now), ReplayStartTime: now,
    };
    save(db, scope, r);
    return { ReplayArn: r.ReplayArn, State: r.State, ReplayStartTime: new Date(now) };
  })();
}

const present = (r: ReplayDoc) => ({
  ...r, EventStartTime: new Date(r.EventStartTime), EventEndTime: new Date(r.EventEndTime), ReplayStartTime: new Date(r.ReplayStartTime),
  ReplayEndTime: date(r.ReplayEndTime), EventLastReplayedTime: date(r.EventLastReplayedTime),
});

export function describeReplay(db: Db, scope: Scope, name: string): W.DescribeReplayResponse {
  const r = find(db, scope, name);
  if (!r) throw replayNotFound(name);
  return present(r);
}

export function listReplays(db: Db, scope: Scope, input: W.ListReplaysRequest): W.ListReplaysResponse {
  const rows = db.prepare("SELECT doc FROM event_replays WHERE account = ? AND region = ? ORDER BY name").all(scope.account, scope.region) as Array<{ doc: string }>;
  const replays = rows.map((r) => JSON.parse(r.doc) as ReplayDoc).filter((r) =>
    (input.EventSourceArn === undefined || r.EventSourceArn === input.EventSourceArn) && (input.State === undefined || r.State === input.State) &&
    (input.NamePrefix === undefined || r.ReplayName.startsWith(input.NamePrefix)));
  const { page, next } = pageOf(replays, input.NextToken, input.Limit);
  return {
    Replays: page.map((r) => {
      const p = present(r);
      return { ReplayName: p.ReplayName, EventSourceArn: p.EventSourceArn, State: p.State, StateReason: p.StateReason, EventStartTime: p.EventStartTime,
        EventEndTime: p.EventEndTime, EventLastReplayedTime: p.EventLastReplayedTime, ReplayStartTime: p.ReplayStartTime, ReplayEndTime: p.ReplayEndTime };
    }),
    NextToken: next,
  };
}

/** CancelReplay: a replay that is starting or running stops after the batch in hand. */
export function cancelReplay(db: Db, scope: Scope, name: string): W.CancelReplayResponse {
  return db.transaction(() => {
    const r = find(db, scope, name);
    if (!r) throw replayNotFound(name);
    if (r.State !== "STARTING" && r.State !== "RUNNING") throw new ServiceError("IllegalStatusException", `Replay ${name} is not in a valid state for this operation.`);
    save(db, scope, { ...r, State: "CANCELLING" });
    return { ReplayArn: r.ReplayArn, State: "CANCELLING" as const };
  })();
}

/**
 * Moves every active replay on by one batch: the archived events of its window, oldest first, go
 * back onto the bus with `replay-name` set, to the rules its Destination.FilterArns names (all the
 * bus's rules when it names none). Returns how many deliveries it queued.
 */
export function advanceReplays(db: Db, clock: Clock): number {
  const rows = db.prepare(`SELECT account, region, position, doc FROM event_replays WHERE state IN (${ACTIVE.map(() => "?").join(", ")})`).all(...ACTIVE) as Array<{ account: string; region: string; position: number; doc: string }>;
  let queued = 0;
  for (const row of rows) {
    const scope = { account: row.account, region: row.region };
    db.transaction(() => {
      const r = JSON.parse(row.doc) as ReplayDoc;
      const now = clock.now().getTime();
      if (r.State === "CANCELLING") return save(db, scope, { ...r, State: "CANCELLED", ReplayEndTime: now });
      const archive = findArchive(db, scope, r.EventSourceArn.split("/").pop()!);
      if (!archive) return save(db, scope, { ...r, State: "FAILED", StateReason: "The archive was deleted.", ReplayEndTime: now });
      const events = db.prepare(
        "SELECT id, archived_at, event FROM archived_events WHERE archive_arn = ? AND id > ? AND archived_at >= ? AND archived_at < ? ORDER BY id LIMIT ?",
      ).all(r.EventSourceArn, row.position, r.EventStartTime, r.EventEndTime, BATCH) as Array<{ id: number; archived_at: number; event: string }>;
      const bus = archive.EventSourceArn.split("/").pop()!;
      for (const e of events) {
        const event = { ...(JSON.parse(e.event) as BusEvent), "replay-name": r.ReplayName };
        queued += routeEvent(db, scope, bus, event, now, { filterArns: r.Destination.FilterArns });
      }
      const last = events.at(-1);
      const next: ReplayDoc = { ...r, State: "RUNNING", EventLastReplayedTime: last?.archived_at ?? r.EventLastReplayedTime };
      if (events.length < BATCH) Object.assign(next, { State: "COMPLETED", ReplayEndTime: now });
      save(db, scope, next, last?.id ?? row.position);
    })();
  }
  return queued;
}
