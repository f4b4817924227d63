import type { FastifyInstance } from "fastify";
import type { Db } from "../store/database.js";
import { ServiceError } from "../core/errors.js";
import { ruleActivity, ACTIVITY_PER_RULE } from "../events/rule-activity.js";

/** Where the web console reads a rule's recent activity; admin-guarded like every /_berth route. */
export const RULE_ACTIVITY_PATH = "/_berth/events/rule-activity";

/** An EventBridge rule's ARN: arn:aws:events:<region>:<account>:rule/[<bus>/]<name>. */
const RULE_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:rule\/[^/]+(\/[^/]+)?$/;

/**
 * GET /_berth/events/rule-activity?rule=<rule ARN>: the events the rule matched lately (its last
 * ACTIVITY_PER_RULE deliveries) and what became of each delivery, newest first. AWS has no API
 * for this; the console shows it on a rule's page. It names events and targets, never their
 * content (events/rule-activity.ts).
 */
export function registerRuleActivityRoutes(app: FastifyInstance, { db }: { db: Db }): void {
  app.get(RULE_ACTIVITY_PATH, async (req, reply) => {
    const rule = (req.query as Record<string, unknown>).rule;
    if (typeof rule !== "string" || !RULE_ARN.test(rule)) throw new ServiceError("ValidationException", "rule must be an EventBridge rule's ARN (arn:aws:events:<region>:<account>:rule/[<event bus>/]<name>).");
    const exists = db.prepare("SELECT 1 FROM event_rules WHERE arn = ?").get(rule);
    if (!exists) throw new ServiceError("ResourceNotFoundException", `Rule ${rule} does not exist.`);
    void reply.header("cache-control", "no-store");
    return { ruleArn: rule, kept: ACTIVITY_PER_RULE, activity: ruleActivity(db, rule) };
  });
}
