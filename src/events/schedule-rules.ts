import type { Db } from "../store/database.js";
import { busEvent, queueForRule } from "./event-router.js";
import { nextFire, parseScheduleExpression } from "./schedules/schedule-expression.js";
import type { RuleDoc } from "./event-rules.js";

/**
 * Fires the schedule rules that are due at `now`: each queues a "Scheduled Event" for its targets
 * and moves its next firing time on, in one transaction. A rule that was due several times while
 * the server was down fires once, as EventBridge does not make up missed invocations.
 */
export function fireDueRules(db: Db, now: Date): number {
  return db.transaction(() => {
    const rows = db.prepare("SELECT account, region, doc FROM event_rules WHERE next_fire IS NOT NULL AND next_fire <= ? AND state != 'DISABLED'").all(now.getTime()) as Array<{ account: string; region: string; doc: string }>;
    for (const row of rows) {
      const rule = JSON.parse(row.doc) as RuleDoc;
      const scope = { account: row.account, region: row.region };
      const event = busEvent(scope, { source: "aws.events", detailType: "Scheduled Event", resources: [rule.Arn], detail: {}, time: now });
      queueForRule(db, scope, { name: rule.Name, arn: rule.Arn }, event, now.getTime());
      const next = nextFire(parseScheduleExpression(rule.ScheduleExpression!)!, now, new Date(rule.CreatedAt));
      db.prepare("UPDATE event_rules SET next_fire = ? WHERE arn = ?").run(next?.getTime() ?? null, rule.Arn);
    }
    return rows.length;
  })();
}
