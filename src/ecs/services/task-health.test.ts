import { test } from "node:test";
import assert from "node:assert/strict";
import { countsAsHealthy, healthFailure } from "./task-health.js";
import type { PlanTask } from "./service-plan-types.js";

const TG = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/0123456789abcdef";
const TG2 = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/api/fedcba9876543210";
const now = 1_000_000;
const task = (extra: Partial<PlanTask>): PlanTask => ({
  arn: "arn:aws:ecs:us-east-1:1:task/c/abc", deploymentId: "d", lastStatus: "RUNNING", desiredStatus: "RUNNING", hasHealthCheck: false, accounted: false, startedAt: now - 5000, ...extra,
});
const target = (state: string, tg = TG, extra = {}) => ({ targetGroupArn: tg, id: "10.0.0.7", port: 8080, state, ...extra });

test("without load balancers: 40 seconds after RUNNING, or HEALTHY with a container health check (as before)", () => {
  assert.equal(countsAsHealthy(task({}), now), false);
  assert.equal(countsAsHealthy(task({ startedAt: now - 40_000 }), now), true);
  assert.equal(countsAsHealthy(task({ hasHealthCheck: true, health: "UNKNOWN" }), now), false);
  assert.equal(countsAsHealthy(task({ hasHealthCheck: true, health: "HEALTHY" }), now), true);
});

test("behind load balancers: every target healthy, and HEALTHY too when a container has a health check", () => {
  assert.equal(countsAsHealthy(task({ targets: [] }), now - 0), false, "not registered yet");
  assert.equal(countsAsHealthy(task({ targets: [], startedAt: now - 60_000 }), now), false, "the 40-second settle does not apply");
  assert.equal(countsAsHealthy(task({ targets: [target("initial")] }), now), false);
  assert.equal(countsAsHealthy(task({ targets: [target("healthy")] }), now), true);
  assert.equal(countsAsHealthy(task({ targets: [target("healthy"), target("initial", TG2)] }), now), false, "all of its target groups");
  assert.equal(countsAsHealthy(task({ targets: [target("healthy"), target("healthy", TG2)] }), now), true);
  assert.equal(countsAsHealthy(task({ targets: [target("healthy")], hasHealthCheck: true, health: "UNKNOWN" }), now), false);
  assert.equal(countsAsHealthy(task({ targets: [target("healthy")], hasHealthCheck: true, health: "HEALTHY" }), now), true);
  assert.equal(countsAsHealthy(task({ targets: [target("healthy")], desiredStatus: "STOPPED" }), now), false);
});

test("an unhealthy target fails the task after the grace period, with ECS's stoppedReason and event", () => {
  const failing = task({ targets: [target("healthy", TG2), target("unhealthy", TG, { description: "Request timed out" })] });
  assert.equal(healthFailure(failing, now, 10, "web"), undefined, "5 s after it started, within a 10 s grace period");
  assert.deepEqual(healthFailure(failing, now, 5, "web"), {
    reason: `Task failed ELB health checks in (target-group ${TG})`,
    events: [`(service web) (task abc) (port 8080) is unhealthy in (target-group ${TG}) due to (reason Request timed out).`],
  });
  assert.equal(healthFailure(task({ targets: [target("initial"), target("healthy", TG2)] }), now, 0, "web"), undefined);
  assert.equal(healthFailure(task({ targets: [target("unhealthy")], desiredStatus: "STOPPED" }), now, 0, "web"), undefined);
});

test("an instance target's event names the instance; a container health check failure keeps its own reason", () => {
  const ec2 = task({ targets: [{ targetGroupArn: TG, id: "i-0123456789abcdef0", port: 32768, state: "unhealthy", description: "Health checks failed" }] });
  assert.deepEqual(healthFailure(ec2, now, 0, "web")!.events, [`(service web) (task abc) (instance i-0123456789abcdef0) (port 32768) is unhealthy in (target-group ${TG}) due to (reason Health checks failed).`]);
  assert.deepEqual(healthFailure(task({ health: "UNHEALTHY", targets: [target("unhealthy")] }), now, 0, "web"), {
    reason: "Task failed container health checks", events: ["(service web) (task abc) failed container health checks."],
  });
});
