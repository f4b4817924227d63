import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { migrate } from "../../store/database.js";
import { addEvents, newDeploymentId, saveService, serviceArnOf, serviceEvents } from "./service-store.js";
import { initialServiceState } from "./service-plan-types.js";

const scope = { account: "000000000000", region: "us-east-1" };
const arn = "arn:aws:ecs:us-east-1:000000000000:service/dev/web";

function withService() {
  const db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  migrate(db);
  saveService(db, { scope, service: { serviceArn: arn, serviceName: "web", clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/dev", status: "ACTIVE", schedulingStrategy: "REPLICA" }, state: initialServiceState() });
  return db;
}

test("events: newest first, a repeat of the newest omitted for six hours, at most 100 kept", () => {
  const db = withService();
  const t0 = new Date(Date.UTC(2024, 0, 1));
  addEvents(db, arn, ["a", "b", "b"], t0);
  addEvents(db, arn, ["b"], new Date(t0.getTime() + 60_000));
  assert.deepEqual(serviceEvents(db, arn).map((e) => e.message), ["b", "a"]);
  addEvents(db, arn, ["b"], new Date(t0.getTime() + 6 * 3600_000));
  assert.deepEqual(serviceEvents(db, arn).map((e) => e.message), ["b", "b", "a"]);
  addEvents(db, arn, Array.from({ length: 150 }, (_, i) => `m${i}`), t0);
  const events = serviceEvents(db, arn);
  assert.equal(events.length, 100);
  assert.equal(events[0]!.message, "m149");
  assert.equal(events[99]!.message, "m50");
  assert.match(events[0]!.id!, /^[0-9a-f-]{36}$/);
});

test("a service is named by its name, its long ARN or its short ARN, in the request's cluster", () => {
  assert.equal(serviceArnOf(scope, "dev", "web"), arn);
  assert.equal(serviceArnOf(scope, "dev", arn), arn);
  assert.equal(serviceArnOf(scope, "dev", "arn:aws:ecs:us-east-1:000000000000:service/web"), arn);
  assert.equal(serviceArnOf(scope, "prod", arn), undefined);
  assert.equal(serviceArnOf(scope, "dev", "arn:aws:ecs:eu-west-1:000000000000:service/dev/web"), undefined);
  assert.equal(serviceArnOf(scope, "dev", "not a name!"), undefined);
});

test("deployment ids look like ECS's", () => {
  for (let i = 0; i < 50; i++) assert.match(newDeploymentId(), /^ecs-svc\/[1-9]\d{18}$/);
});
