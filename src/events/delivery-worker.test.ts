import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { openDatabase } from "../store/database.js";
import { startDeliveryWorker } from "./delivery-worker.js";
import { putRule } from "./event-rules.js";
import { putTargets } from "./event-targets.js";
import { putEvents } from "./put-events.js";
import type { Delivery, TargetDispatcher } from "./target-dispatch.js";

const scope = { account: "000000000000", region: "us-east-1" };
const CLUSTER = "arn:aws:ecs:us-east-1:000000000000:cluster/c";
const DLQ = "arn:aws:sqs:us-east-1:000000000000:dlq";

/** A database, a clock the test moves, and dispatchers that record what they were given. */
function setup(fail: (d: Delivery) => boolean) {
  const dir = mkdtempSync(join(tmpdir(), "berth-events-"));
  const db = openDatabase(dir);
  let now = Date.parse("2024-01-01T00:00:00Z");
  const clock = { now: () => new Date(now) };
  const delivered: Delivery[] = [];
  const dead: Delivery[] = [];
  const recorder = (prefix: string, into: Delivery[], failing: boolean): TargetDispatcher => ({
    handles: (arn) => arn.startsWith(prefix),
    async deliver(d) {
      if (failing && fail(d)) throw new Error("target refused");
      into.push(d);
    },
  });
  const dispatchers = [recorder("arn:aws:ecs:", delivered, true), recorder("arn:aws:sqs:", dead, false)];
  const worker = startDeliveryWorker({ db, clock, log: pino({ level: "silent" }), dispatchers: () => dispatchers, random: () => 1 });
  const advance = (ms: number) => {
    now += ms;
    worker.wake();
  };
  const settle = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(check(), "timed out");
  };
  const close = async () => {
    await worker.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { db, clock, delivered, dead, advance, settle, close, worker, pending: () => (db.prepare("SELECT count(*) AS n FROM event_deliveries").get() as { n: number }).n };
}

test("a failing target is retried as its RetryPolicy says, then the event goes to the dead-letter queue", async () => {
  let attempts = 0;
  const t = setup(() => (attempts++, true));
  try {
    putRule(t.db, t.clock, scope, { Name: "r", EventPattern: '{"source":["shop"]}' });
    putTargets(t.db, t.clock, scope, { Rule: "r", Targets: [{ Id: "1", Arn: CLUSTER, EcsParameters: { TaskDefinitionArn: "td" }, RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: DLQ } }] }, [
      { handles: () => true, deliver: async () => {} },
    ]);
    t.db.transaction(putEvents(t.db, t.clock, scope, { Entries: [{ Source: "shop", DetailType: "Order", Detail: '{"id":1}' }] }).commit)();
    t.worker.wake();
    await t.settle(() => attempts === 1);
    // Back-off: 1 s, then 2 s (random() = 1), on the injected clock.
    t.advance(999);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(attempts, 1);
    t.advance(1);
    await t.settle(() => attempts === 2);
    t.advance(2000);
    await t.settle(() => t.dead.length === 1);
    assert.equal(attempts, 3);
    assert.equal(t.pending(), 0);
    assert.equal(JSON.parse(t.dead[0]!.input).detail.id, 1);
    assert.equal(t.dead[0]!.attributes?.RETRY_ATTEMPTS, "2");
    assert.equal(t.dead[0]!.attributes?.TARGET_ARN, CLUSTER);
    assert.equal(t.dead[0]!.attributes?.ERROR_CODE, "TargetError");
    assert.equal(t.dead[0]!.attributes?.EXHAUSTED_RETRY_CONDITION, "MaximumRetryAttempts");
  } finally {
    await t.close();
  }
});

test("an event older than MaximumEventAgeInSeconds is not retried again", async () => {
  let attempts = 0;
  const t = setup(() => (attempts++, true));
  try {
    putRule(t.db, t.clock, scope, { Name: "r", EventPattern: '{"source":["shop"]}' });
    putTargets(t.db, t.clock, scope, { Rule: "r", Targets: [{ Id: "1", Arn: CLUSTER, EcsParameters: { TaskDefinitionArn: "td" }, RetryPolicy: { MaximumRetryAttempts: 100, MaximumEventAgeInSeconds: 60 } }] }, [
      { handles: () => true, deliver: async () => {} },
    ]);
    t.db.transaction(putEvents(t.db, t.clock, scope, { Entries: [{ Source: "shop", DetailType: "Order", Detail: "{}" }] }).commit)();
    t.worker.wake();
    await t.settle(() => attempts === 1);
    t.advance(59_000);
    await t.settle(() => t.pending() === 0);
    assert.equal(attempts, 2);
    assert.equal(t.dead.length, 0);
  } finally {
    await t.close();
  }
});

test("an hourly rule with the clock advanced fires once an hour", async () => {
  const t = setup(() => false);
  try {
    putRule(t.db, t.clock, scope, { Name: "hourly", ScheduleExpression: "rate(1 hour)" });
    putTargets(t.db, t.clock, scope, { Rule: "hourly", Targets: [{ Id: "1", Arn: CLUSTER, EcsParameters: { TaskDefinitionArn: "td" } }] }, [{ handles: () => true, deliver: async () => {} }]);
    t.advance(59 * 60_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(t.delivered.length, 0);
    t.advance(60_000);
    await t.settle(() => t.delivered.length === 1);
    const event = JSON.parse(t.delivered[0]!.input);
    assert.equal(event["detail-type"], "Scheduled Event");
    assert.equal(event.source, "aws.events");
    assert.deepEqual(event.resources, ["arn:aws:events:us-east-1:000000000000:rule/hourly"]);
    assert.equal(event.time, "2024-01-01T01:00:00Z");
    t.advance(3_600_000);
    await t.settle(() => t.delivered.length === 2);
    assert.equal(JSON.parse(t.delivered[1]!.input).time, "2024-01-01T02:00:00Z");
  } finally {
    await t.close();
  }
});

test("a target that stores the input in the database removes the delivery in the same transaction, which a failure rolls back", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-events-"));
  const db = openDatabase(dir);
  let now = Date.parse("2024-01-01T00:00:00Z");
  const clock = { now: () => new Date(now) };
  const QUEUE = "arn:aws:sqs:us-east-1:000000000000:q";
  const pending = () => (db.prepare("SELECT count(*) AS n FROM event_deliveries").get() as { n: number }).n;
  const stored: string[] = [];
  const pendingWhenDelivered: number[] = [];
  let attempts = 0;
  // As SQS does: the message and the dequeue in one transaction; the first attempt fails after dequeuing.
  const queue: TargetDispatcher = {
    handles: (arn) => arn === QUEUE,
    async deliver(d) {
      attempts++;
      db.transaction(() => {
        d.dequeue!();
        if (attempts === 1) throw new Error("disk full");
        stored.push(d.input);
      })();
      pendingWhenDelivered.push(pending());
      return true;
    },
  };
  const worker = startDeliveryWorker({ db, clock, log: pino({ level: "silent" }), dispatchers: () => [queue], random: () => 1 });
  try {
    putRule(db, clock, scope, { Name: "r", EventPattern: '{"source":["shop"]}' });
    putTargets(db, clock, scope, { Rule: "r", Targets: [{ Id: "1", Arn: QUEUE }] }, [queue]);
    db.transaction(putEvents(db, clock, scope, { Entries: [{ Source: "shop", DetailType: "Order", Detail: '{"id":1}' }] }).commit)();
    worker.wake();
    for (let i = 0; i < 200 && attempts < 1; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    // The failed transaction took its dequeue with it: the delivery waits for its retry.
    assert.equal(attempts, 1);
    assert.equal(pending(), 1);
    assert.deepEqual(db.prepare("SELECT attempts FROM event_deliveries").all(), [{ attempts: 1 }]);
    now += 60_000;
    worker.wake();
    for (let i = 0; i < 200 && stored.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(stored.length, 1);
    assert.deepEqual(pendingWhenDelivered, [0], "the row is gone as soon as the message is stored");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(attempts, 2, "delivered once");
  } finally {
    await worker.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
