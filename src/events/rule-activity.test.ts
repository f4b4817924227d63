import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../store/database.js";
import { busEvent, routeEvent } from "./event-router.js";
import { putRule } from "./event-rules.js";
import { putTargets } from "./event-targets.js";
import { ACTIVITY_PER_RULE, recordAttempt, ruleActivity } from "./rule-activity.js";

const scope = { account: "000000000000", region: "us-east-1" };
const RULE = "arn:aws:events:us-east-1:000000000000:rule/orders";

test("a rule's activity: each match with each target's delivery, outcomes as attempted, the newest rows kept, no event content", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-rule-activity-"));
  const db = openDatabase(dir);
  try {
    const clock = { now: () => new Date("2024-01-01T00:00:00Z") };
    putRule(db, clock, scope, { Name: "orders", EventPattern: '{"source":["shop"]}' });
    putTargets(db, clock, scope, { Rule: "orders", Targets: [{ Id: "a", Arn: "arn:aws:sqs:us-east-1:000000000000:a" }, { Id: "b", Arn: "arn:aws:sqs:us-east-1:000000000000:b" }] }, [{ handles: () => true, deliver: async () => {} }]);
    const put = (source: string, n: number) => {
      const event = busEvent(scope, { source, detailType: "Order", detail: { n, card: "4111-secret" }, time: new Date(1_700_000_000_000 + n * 1000) });
      db.transaction(() => routeEvent(db, scope, "default", event, 1_700_000_000_000 + n * 1000))();
      return event.id;
    };
    const first = put("shop", 1);
    put("elsewhere", 2);
    let [only, ...rest] = ruleActivity(db, RULE);
    assert.equal(rest.length, 0, "the event that did not match is not recorded");
    assert.equal(only!.eventId, first);
    assert.deepEqual(only!.deliveries.map((d) => [d.targetId, d.status, d.attempts]), [["a", "PENDING", 0], ["b", "PENDING", 0]]);
    assert.ok(!JSON.stringify(only).includes("4111-secret"));

    const [a, b] = (db.prepare("SELECT id FROM event_deliveries ORDER BY id").all() as Array<{ id: number }>).map((r) => r.id);
    recordAttempt(db, a!, { status: "DELIVERED", attempts: 1 }, 1_700_000_100_000);
    recordAttempt(db, b!, { status: "RETRYING", attempts: 1, error: "queue gone" }, 1_700_000_100_000);
    recordAttempt(db, b!, { status: "DEAD_LETTERED", attempts: 2, error: "queue gone" }, 1_700_000_200_000);
    // Once final, the row no longer follows its delivery's id.
    recordAttempt(db, b!, { status: "RETRYING", attempts: 9 }, 1_700_000_300_000);
    [only] = ruleActivity(db, RULE);
    assert.deepEqual(only!.deliveries.map((d) => [d.targetId, d.status, d.attempts, d.lastError]), [["a", "DELIVERED", 1, undefined], ["b", "DEAD_LETTERED", 2, "queue gone"]]);

    // Two rows an event: the newest ACTIVITY_PER_RULE rows stay, newest event first.
    const ids = Array.from({ length: ACTIVITY_PER_RULE }, (_, i) => put("shop", 10 + i));
    const kept = ruleActivity(db, RULE);
    assert.equal(kept.length, ACTIVITY_PER_RULE / 2);
    assert.deepEqual(kept.map((e) => e.eventId), ids.slice(-ACTIVITY_PER_RULE / 2).reverse());
    assert.equal((db.prepare("SELECT count(*) AS n FROM event_rule_activity").get() as { n: number }).n, ACTIVITY_PER_RULE);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
