import type { Db } from "../store/database.js";
import type { BusEvent } from "./event-router.js";

/**
 * A rule's recent activity: the events it matched and what became of each delivery to its
 * targets. AWS has no API for this (its console shows CloudWatch metrics, and failed deliveries
 * only in a dead-letter queue); Berth keeps the last rows of each rule, written in the transaction
 * that queues the delivery (an event that is not stored is not shown) and updated by the delivery
 * worker. What is kept says which event and which target, never the event's detail or the
 * target's input: those are the user's data, and may hold secrets.
 */

/** The rows (events x targets) a rule keeps: the newest. */
export const ACTIVITY_PER_RULE = 50;

/** PENDING: queued, not attempted yet; RETRYING: an attempt failed, another is due. The others are final. */
export type DeliveryStatus = "PENDING" | "DELIVERED" | "RETRYING" | "FAILED" | "DEAD_LETTERED";

export interface RuleActivity {
  eventId: string;
  source: string;
  detailType: string;
  eventTime: string;
  /** One per target the event went to; none when the rule had no targets. */
  deliveries: Array<{ targetId: string; targetArn: string; status: DeliveryStatus; attempts: number; lastError?: string; updatedAt: string }>;
}

/** Records that `ruleArn` matched `event` and queued `deliveryId` to `target` (no target: the rule has none). In the caller's transaction. */
export function recordMatch(db: Db, ruleArn: string, event: BusEvent, eventTime: number, target: { id: string; arn: string; deliveryId: number } | undefined, now: number): void {
  db.prepare(`INSERT INTO event_rule_activity (rule_arn, delivery_id, event_id, source, detail_type, event_time, target_id, target_arn, status, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?)`)
    .run(ruleArn, target?.deliveryId ?? null, event.id, event.source, event["detail-type"], eventTime, target?.id ?? null, target?.arn ?? null, now);
}

/** Keeps the newest ACTIVITY_PER_RULE rows of the rule (once per event, after its matches are recorded). */
export function trimActivity(db: Db, ruleArn: string): void {
  db.prepare("DELETE FROM event_rule_activity WHERE rule_arn = ? AND id <= (SELECT id FROM event_rule_activity WHERE rule_arn = ? ORDER BY id DESC LIMIT 1 OFFSET ?)")
    .run(ruleArn, ruleArn, ACTIVITY_PER_RULE);
}

/**
 * Records an attempt's outcome for a delivery. A final status unlinks the row from the delivery
 * (whose row is about to be deleted). Errors are kept short: a message, as the logs have it.
 */
export function recordAttempt(db: Db, deliveryId: number, outcome: { status: DeliveryStatus; attempts: number; error?: string }, now: number): void {
  const final = outcome.status !== "RETRYING" && outcome.status !== "PENDING";
  db.prepare(`UPDATE event_rule_activity SET status = ?, attempts = ?, last_error = ?, updated_at = ?${final ? ", delivery_id = NULL" : ""} WHERE delivery_id = ?`)
    .run(outcome.status, outcome.attempts, outcome.error?.slice(0, 256) ?? null, now, deliveryId);
}

/** The rule's recent activity, newest event first. */
export function ruleActivity(db: Db, ruleArn: string): RuleActivity[] {
  const rows = db.prepare("SELECT * FROM event_rule_activity WHERE rule_arn = ? ORDER BY id DESC").all(ruleArn) as Array<{
    event_id: string; source: string; detail_type: string; event_time: number; target_id: string | null; target_arn: string | null;
    status: DeliveryStatus; attempts: number; last_error: string | null; updated_at: number;
  }>;
  const byEvent = new Map<string, RuleActivity>();
  for (const r of rows) {
    let a = byEvent.get(r.event_id);
    if (!a) byEvent.set(r.event_id, (a = { eventId: r.event_id, source: r.source, detailType: r.detail_type, eventTime: new Date(r.event_time).toISOString(), deliveries: [] }));
    if (r.target_id === null) continue;
    a.deliveries.unshift({
      targetId: r.target_id, targetArn: r.target_arn ?? "", status: r.status, attempts: r.attempts,
      ...(r.last_error !== null ? { lastError: r.last_error } : {}), updatedAt: new Date(r.updated_at).toISOString(),
    });
  }
  return [...byEvent.values()];
}
