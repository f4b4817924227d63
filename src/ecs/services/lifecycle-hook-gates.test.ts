import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { pino } from "pino";
import type { DeploymentLifecycleHook, Service } from "@aws-sdk/client-ecs";
import { migrate } from "../../store/database.js";
import { initialServiceState } from "./service-plan-types.js";
import { saveServiceDeployment } from "./service-deployment-store.js";
import { hookGates, startHooks } from "./lifecycle-hook-gates.js";
import { answerInvocation } from "./lifecycle-hook-answers.js";
import { hookExecutionsOf, pendingInvocations } from "./lifecycle-hook-store.js";

const log = pino({ level: "silent" });
const scope = { account: "000000000000", region: "us-east-1" };
const serviceArn = "arn:aws:ecs:us-east-1:000000000000:service/dev/web";
const deploymentArn = "arn:aws:ecs:us-east-1:000000000000:service-deployment/dev/web/AAAAAAAAAAAAAAAAAAAAAA";
const LAMBDA = "arn:aws:lambda:us-east-1:000000000000:function:check";
const MINUTE = 60_000;

/** A BLUE_GREEN service whose deployment ecs-svc/2 is going on, with `hooks`. */
function world(hooks: DeploymentLifecycleHook[]) {
  const db = new Database(":memory:");
  migrate(db);
  const svc: Service = {
    serviceArn, status: "ACTIVE",
    deploymentConfiguration: { strategy: "BLUE_GREEN", lifecycleHooks: hooks },
    loadBalancers: [{ targetGroupArn: "arn:tg/blue", advancedConfiguration: { alternateTargetGroupArn: "arn:tg/green", productionListenerRule: "arn:rule" } }],
    deployments: [{ id: "ecs-svc/2", status: "PRIMARY", rolloutState: "IN_PROGRESS" }],
  };
  saveServiceDeployment(db, { scope, deploymentId: "ecs-svc/2", doc: { serviceDeploymentArn: deploymentArn, serviceArn, status: "IN_PROGRESS", createdAt: new Date(0) } });
  const state = initialServiceState();
  return {
    db,
    gates: (now: number) => hookGates(db, log, svc, state, now)!,
    start: (key: string, now: number) => startHooks(db, log, scope, svc, state, key, now),
    executions: () => hookExecutionsOf(db, serviceArn, "ecs-svc/2"),
  };
}

test("a stage passes once every hook there succeeded; its hooks start once", () => {
  const w = world([
    { hookTargetArn: LAMBDA, roleArn: "arn:aws:iam::000000000000:role/r", lifecycleStages: ["POST_SCALE_UP"] },
    { targetType: "PAUSE", lifecycleStages: ["POST_SCALE_UP"] },
  ]);
  assert.deepEqual([...w.gates(0).stages], ["POST_SCALE_UP"]);
  w.start("POST_SCALE_UP", 1000);
  w.start("POST_SCALE_UP", 2000);
  const [lambda, pause] = w.executions();
  assert.equal(w.executions().length, 2, "started once");
  assert.deepEqual([lambda!.status, pause!.status], ["IN_PROGRESS", "AWAITING_ACTION"]);
  assert.equal(lambda!.expiresAt, 1000 + 1440 * MINUTE, "24 hours by default");
  answerInvocation(w.db, 3000, lambda!.pending!.invocationId, { hookStatus: "SUCCEEDED" });
  assert.equal(w.gates(3000).passed.has("POST_SCALE_UP"), false, "the pause hook still holds the stage");
});

test("IN_PROGRESS invokes again after callBackDelay; a missing or invalid hookStatus fails the hook", () => {
  const w = world([{ hookTargetArn: LAMBDA, roleArn: "arn:aws:iam::000000000000:role/r", lifecycleStages: ["PRE_SCALE_UP", "POST_SCALE_UP"], hookDetails: { a: 1 } }]);
  w.start("PRE_SCALE_UP", 0);
  const first = w.executions()[0]!.pending!;
  assert.deepEqual(first.payload.hookDetails, { a: 1 });
  answerInvocation(w.db, 1000, first.invocationId, { hookStatus: "IN_PROGRESS", callBackDelay: 5, hookDetails: { a: 2 } });
  assert.deepEqual(pendingInvocations(w.db), [], "nothing awaits an answer during the delay");
  w.gates(5999);
  assert.deepEqual(pendingInvocations(w.db), []);
  w.gates(6000);
  const again = w.executions()[0]!.pending!;
  assert.notEqual(again.invocationId, first.invocationId);
  assert.deepEqual(again.payload.hookDetails, { a: 2 });
  answerInvocation(w.db, 7000, again.invocationId, { hookStatus: "SUCCEEDED" });
  assert.equal(w.gates(7000).passed.get("PRE_SCALE_UP"), 7000);

  w.start("POST_SCALE_UP", 8000);
  const post = w.executions()[1]!.pending!;
  answerInvocation(w.db, 9000, post.invocationId, { hookStatus: "DONE" });
  assert.match(w.gates(9000).failed!.reason, /did not return a valid hookStatus at POST_SCALE_UP/);
  assert.throws(() => answerInvocation(w.db, 9000, post.invocationId, { hookStatus: "SUCCEEDED" }), { name: "ConflictException" });
});

test("a hook not answered in time takes its timeout action: CONTINUE passes the stage, ROLLBACK fails it", () => {
  const w = world([
    { targetType: "PAUSE", lifecycleStages: ["POST_SCALE_UP"], timeoutConfiguration: { timeoutInMinutes: 1, action: "CONTINUE" } },
    { targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"], timeoutConfiguration: { timeoutInMinutes: 2 } },
  ]);
  w.start("POST_SCALE_UP", 0);
  assert.equal(w.gates(MINUTE - 1).passed.has("POST_SCALE_UP"), false);
  const g = w.gates(MINUTE);
  assert.equal(g.passed.get("POST_SCALE_UP"), MINUTE);
  assert.equal(g.failed, undefined);
  assert.equal(w.executions()[0]!.status, "TIMED_OUT");
  w.start("POST_TEST_TRAFFIC_SHIFT", MINUTE);
  assert.match(w.gates(3 * MINUTE).failed!.reason, /timed out at POST_TEST_TRAFFIC_SHIFT/);
});
