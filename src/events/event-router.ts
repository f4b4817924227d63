import { randomUUID } from "node:crypto";
import type * as W from "@aws-sdk/client-eventbridge";
import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import type { DomainEvent } from "../store/outbox.js";
import { patternOf } from "./patterns/pattern-cache.js";
import { archiveEvent } from "./archives.js";
import { targetInput, withEventValues, type RuleInfo } from "./target-input.js";
import { DEFAULT_BUS } from "./event-buses.js";
import { recordMatch, trimActivity } from "./rule-activity.js";

/** An event as rules see it and targets receive it. */
export interface BusEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
  /** The replay that put the event back on its bus (EventBridge adds it to replayed events). */
  "replay-name"?: string;
}

/** EventBridge's event time: seconds, no fraction. */
export const eventTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export function busEvent(scope: Scope, e: { source: string; detailType: string; resources?: string[]; detail: Record<string, unknown>; time: Date }): BusEvent {
  return {
    version: "0", id: randomUUID(), "detail-type": e.detailType, source: e.source, account: scope.account,
    time: eventTime(e.time), region: scope.region, resources: e.resources ?? [], detail: e.detail,
  };
}

/** Called once deliveries were committed, so the worker looks at once. */
export type Wake = () => void;

/** A replay puts an archived event back on its bus: only to the rules it names (all when none), never into an archive again. */
export interface ReplayRouting { filterArns?: string[] }

/**
 * Matches an event against the enabled pattern rules of a bus and queues one delivery per target
 * of every matching rule, in the caller's transaction; the bus's archives keep it. Returns how
 * many deliveries it queued.
 */
export function routeEvent(db: Db, scope: Scope, bus: string, event: BusEvent, now: number, replay?: ReplayRouting): number {
  if (!replay) archiveEvent(db, scope, bus, event, now);
  const rules = db.prepare(
    "SELECT name, arn, pattern FROM event_rules WHERE account = ? AND region = ? AND bus = ? AND state != 'DISABLED' AND pattern IS NOT NULL",
  ).all(scope.account, scope.region, bus) as Array<{ name: string; arn: string; pattern: string }>;
  const only = replay?.filterArns?.length ? new Set(replay.filterArns) : undefined;
  let queued = 0;
  for (const rule of rules) {
    if (only && !only.has(rule.arn)) continue;
    if (!patternOf(rule.pattern).matches(event)) continue;
    // A replayed event's age counts from its replay: its retries are not used up by its time in the archive.
    queued += queueForRule(db, scope, { name: rule.name, arn: rule.arn }, event, now, replay ? now : undefined);
  }
  return queued;
}

/** One delivery per target of the rule; the match and each delivery go into the rule's recent activity. */
export function queueForRule(db: Db, scope: Scope, rule: RuleInfo, event: BusEvent, now: number, eventTime = Date.parse(event.time) || now): number {
  const targets = db.prepare("SELECT doc FROM event_targets WHERE rule_arn = ? ORDER BY rowid").all(rule.arn) as Array<{ doc: string }>;
  for (const { doc } of targets) {
    const target = JSON.parse(doc) as W.Target;
    const fields = event as unknown as Record<string, unknown>;
    const deliveryId = queueDelivery(db, scope, rule.arn, withEventValues(target, fields), targetInput(target, fields, rule), eventTime, now);
    recordMatch(db, rule.arn, event, eventTime, { id: target.Id!, arn: target.Arn!, deliveryId }, now);
  }
  if (targets.length === 0) recordMatch(db, rule.arn, event, eventTime, undefined, now);
  trimActivity(db, rule.arn);
  return targets.length;
}

/** Queues one delivery; returns its id. */
export function queueDelivery(db: Db, scope: Scope, sourceArn: string, target: W.Target, input: string, eventTime: number, due: number): number {
  return Number(db.prepare("INSERT INTO event_deliveries (account, region, source_arn, target, input, event_time, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .run(scope.account, scope.region, sourceArn, JSON.stringify(target), input, eventTime, due).lastInsertRowid);
}

/** Moves the outbox's events onto their default buses, a batch per transaction. Returns how many it moved. */
export function drainOutbox(db: Db, now: number, { batch = 100, onError = () => {} }: { batch?: number; onError?: (err: unknown, outboxId: number) => void } = {}): number {
  return db.transaction(() => {
    const rows = db.prepare("SELECT id, account, region, event FROM event_outbox ORDER BY id LIMIT ?").all(batch) as Array<{ id: number; account: string; region: string; event: string }>;
    for (const row of rows) {
      // Each event in its own savepoint: one that cannot be routed is reported and dropped, not
      // left to block every event behind it.
      try {
        db.transaction(() => {
          const e = JSON.parse(row.event) as DomainEvent & { time: string };
          const scope = { account: row.account, region: row.region };
          routeEvent(db, scope, DEFAULT_BUS, busEvent(scope, { ...e, time: new Date(e.time) }), now);
        })();
      } catch (err) {
        onError(err, row.id);
      }
    }
    if (rows.length) db.prepare("DELETE FROM event_outbox WHERE id <= ?").run(rows[rows.length - 1]!.id);
    return rows.length;
  })();
}
