import { randomUUID } from "node:crypto";
import type * as E from "@aws-sdk/client-eventbridge";
import type { Db } from "../store/database.js";
import { queueDelivery } from "../events/event-router.js";
import { eventTime } from "../events/event-router.js";
import { nextRun } from "./schedule-timing.js";
import type { ScheduleDoc } from "./schedules.js";
import { withScheduleAttributes } from "./context-attributes.js";

/**
 * A Scheduler target as the EventBridge delivery worker takes it (one delivery path, one set of
 * dispatchers, the same retries and dead-letter queues), with the input it gets.
 */
export function deliveryOf(s: ScheduleDoc, scope: { account: string; region: string }, now: Date): { target: E.Target; input: string } {
  const t = s.Target;
  const text = t.Input === undefined ? undefined : withScheduleAttributes(t.Input, s.Arn, s.nextNominal ?? now.getTime());
  const target: E.Target = { Id: s.Name, Arn: t.Arn, RoleArn: t.RoleArn, RetryPolicy: t.RetryPolicy, DeadLetterConfig: t.DeadLetterConfig };
  if (t.EcsParameters) {
    const p = t.EcsParameters;
    target.EcsParameters = {
      ...(p as unknown as E.EcsParameters),
      // Scheduler's tags are a list of one-entry maps; EventBridge's are Key/Value pairs.
      Tags: p.Tags?.flatMap((m) => Object.entries(m).map(([Key, Value]) => ({ Key, Value }))),
      PlacementStrategy: p.PlacementStrategy,
    };
  }
  if (t.SqsParameters) target.SqsParameters = t.SqsParameters;
  if (t.EventBridgeParameters) {
    // PutEvents of an event whose detail is the input.
    const event = {
      version: "0", id: randomUUID(), "detail-type": t.EventBridgeParameters.DetailType, source: t.EventBridgeParameters.Source,
      account: scope.account, time: eventTime(now), region: scope.region, resources: [s.Arn], detail: JSON.parse(text ?? "{}"),
    };
    return { target, input: JSON.stringify(event) };
  }
  return { target, input: text ?? "{}" };
}

/**
 * Fires the schedules that are due: each queues its delivery and moves on to its next run, in one
 * transaction. A schedule with no run left is deleted when its ActionAfterCompletion is DELETE.
 */
export function fireDueSchedules(db: Db, now: Date, random: () => number = Math.random): number {
  return db.transaction(() => {
    const rows = db.prepare("SELECT account, region, doc FROM schedules WHERE next_fire IS NOT NULL AND next_fire <= ? AND state = 'ENABLED'").all(now.getTime()) as Array<{ account: string; region: string; doc: string }>;
    for (const row of rows) {
      const s = JSON.parse(row.doc) as ScheduleDoc;
      const scope = { account: row.account, region: row.region };
      const { target, input } = deliveryOf(s, scope, now);
      queueDelivery(db, scope, s.Arn, target, input, now.getTime(), now.getTime());
      const run = nextRun(s, new Date(Math.max(s.nextNominal ?? 0, now.getTime() - 1)), random);
      if (!run && s.ActionAfterCompletion === "DELETE") {
        db.prepare("DELETE FROM schedules WHERE arn = ?").run(s.Arn);
        continue;
      }
      s.nextNominal = run?.nominal;
      db.prepare("UPDATE schedules SET next_fire = ?, doc = ? WHERE arn = ?").run(run?.fireAt ?? null, JSON.stringify(s), s.Arn);
    }
    return rows.length;
  })();
}
