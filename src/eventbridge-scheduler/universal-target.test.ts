import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { openDatabase } from "../store/database.js";
import { ServiceError } from "../core/errors.js";
import { UnknownCallError, type InternalCall } from "../aws/internal-call.js";
import { startDeliveryWorker } from "../events/delivery-worker.js";
import { queueDelivery } from "../events/event-router.js";
import type { Delivery, TargetDispatcher } from "../events/target-dispatch.js";
import { isReadOnlyAction, parseUniversalArn, universalTarget } from "./universal-target.js";
import { withScheduleAttributes } from "./context-attributes.js";

const scope = { account: "000000000000", region: "us-east-1" };
const SCHEDULE = "arn:aws:scheduler:us-east-1:000000000000:schedule/default/s";
const DLQ = "arn:aws:sqs:us-east-1:000000000000:dlq";
const log = pino({ level: "silent" });

test("universal ARNs name a service and a camelCase action; read-only actions are recognised", () => {
  assert.deepEqual(parseUniversalArn("arn:aws:scheduler:::aws-sdk:ecs:updateService"), { service: "ecs", action: "updateService" });
  assert.equal(parseUniversalArn("arn:aws:scheduler:us-east-1:000000000000:schedule/default/s"), undefined);
  assert.equal(parseUniversalArn("arn:aws:scheduler:::aws-sdk:ecs"), undefined);
  for (const action of ["getQueueUrl", "describeServices", "listTasks", "receiveMessage", "batchGetSecretValue"]) assert.ok(isReadOnlyAction(action), action);
  for (const action of ["updateService", "sendMessage", "putParameter", "deleteQueue"]) assert.ok(!isReadOnlyAction(action), action);
});

test("context attributes fill in the schedule's ARN and its nominal time", () => {
  const input = withScheduleAttributes('{"at":"<aws.scheduler.scheduled-time>","by":"<aws.scheduler.schedule-arn>"}', SCHEDULE, Date.parse("2024-03-01T09:00:00.250Z"));
  assert.deepEqual(JSON.parse(input), { at: "2024-03-01T09:00:00Z", by: SCHEDULE });
});

/** The delivery worker with the universal target over a fake caller, and a DLQ that records. */
function setup(call: (c: InternalCall) => Promise<unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "berth-universal-"));
  const db = openDatabase(dir);
  let now = Date.parse("2024-01-01T00:00:00Z");
  const clock = { now: () => new Date(now) };
  const dead: Delivery[] = [];
  const dlq: TargetDispatcher = { handles: (arn) => arn === DLQ, deliver: async (d) => void dead.push(d) };
  const dispatchers = [universalTarget({ db, call, iamEnforcement: false, log }), dlq];
  const worker = startDeliveryWorker({ db, clock, log, dispatchers: () => dispatchers, random: () => 1 });
  const pending = () => (db.prepare("SELECT count(*) AS n FROM event_deliveries").get() as { n: number }).n;
  const queue = (input: string, retries: number) => {
    queueDelivery(db, scope, SCHEDULE, { Id: "s", Arn: "arn:aws:scheduler:::aws-sdk:ecs:updateService", RetryPolicy: { MaximumRetryAttempts: retries }, DeadLetterConfig: { Arn: DLQ } }, input, now, now);
    worker.wake();
  };
  const advance = (ms: number) => {
    now += ms;
    worker.wake();
  };
  const settle = async (check: () => boolean) => {
    for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(check(), "timed out");
  };
  const close = async () => {
    await worker.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dead, pending, queue, advance, settle, close };
}

test("a server error is retried with a new attempt number; the call then succeeds", async () => {
  const calls: InternalCall[] = [];
  const t = setup(async (c) => {
    calls.push(c);
    if (calls.length === 1) throw new ServiceError("ServerException", "try again", false);
  });
  try {
    t.queue('{"cluster":"c","service":"s","desiredCount":1,"note":"<aws.scheduler.attempt-number>"}', 3);
    await t.settle(() => calls.length === 1);
    t.advance(120_000);
    await t.settle(() => t.pending() === 0);
    assert.deepEqual(calls.map((c) => [c.service, c.operation, JSON.parse(c.input).note]), [["ecs", "updateService", "1"], ["ecs", "updateService", "2"]]);
    assert.equal(t.dead.length, 0);
  } finally {
    await t.close();
  }
});

test("a client error and a call Berth lacks go to the DLQ at once with their codes", async () => {
  const t = setup(async (c) => {
    if (c.input.includes("bad")) throw new ServiceError("InvalidParameterException", "desiredCount is bad.");
    throw new UnknownCallError("Berth does not provide the service rds.");
  });
  try {
    t.queue('{"bad":true}', 10);
    t.queue("{}", 10);
    await t.settle(() => t.dead.length === 2 && t.pending() === 0);
    const attrs = t.dead.map((d) => [d.attributes?.ERROR_CODE, d.attributes?.ERROR_MESSAGE, d.attributes?.RETRY_ATTEMPTS]).sort();
    assert.deepEqual(attrs, [["InvalidParameterException", "desiredCount is bad.", "0"], ["SDK_CLIENT_ERROR", "Berth does not provide the service rds.", "0"]]);
  } finally {
    await t.close();
  }
});
