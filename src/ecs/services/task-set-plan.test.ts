import { test } from "node:test";
import assert from "node:assert/strict";
import { planService } from "./service-plan.js";
import { initialServiceState, type PlanTask, type ServicePlanInput } from "./service-plan-types.js";
import { computedDesiredCount, stabilityOf } from "./task-set-model.js";

const NOW = 10_000_000;
let seq = 0;
const task = (deploymentId: string, extra: Partial<PlanTask> = {}): PlanTask => ({
  arn: `arn:aws:ecs:us-east-1:1:task/c/t${++seq}`, deploymentId, lastStatus: "RUNNING", desiredStatus: "RUNNING", hasHealthCheck: false,
  startedAt: NOW - 60_000, accounted: false, ...extra,
});
const input = (taskSets: ServicePlanInput["taskSets"], tasks: PlanTask[], extra: Partial<ServicePlanInput> = {}): ServicePlanInput => ({
  now: NOW, name: "ext", status: "ACTIVE", schedulingStrategy: "REPLICA", desiredCount: 4, minimumHealthyPercent: 100, maximumPercent: 200,
  circuitBreaker: { enable: true, rollback: true }, healthCheckGracePeriodSeconds: 0, deployments: [], tasks, state: initialServiceState(), taskSets, ...extra,
});

test("computedDesiredCount is the service's desiredCount times the scale, always rounded up; DRAINING keeps none", () => {
  assert.equal(computedDesiredCount(4, { scale: { value: 50, unit: "PERCENT" } }), 2);
  assert.equal(computedDesiredCount(4, { scale: { value: 30, unit: "PERCENT" } }), 2); // 1.2 -> 2
  assert.equal(computedDesiredCount(3, { scale: { value: 100 / 3, unit: "PERCENT" } }), 1);
  assert.equal(computedDesiredCount(5, { scale: { value: 0, unit: "PERCENT" } }), 0);
  assert.equal(computedDesiredCount(5, { status: "DRAINING", scale: { value: 100, unit: "PERCENT" } }), 0);
  assert.equal(stabilityOf(2, { running: 2, pending: 0, live: 2 }), "STEADY_STATE");
  assert.equal(stabilityOf(2, { running: 2, pending: 0, live: 3 }), "STABILIZING");
});

test("each task set is brought to its own count at once, with no rolling bounds", () => {
  const plan = planService(input([{ id: "blue", desiredCount: 4 }, { id: "green", desiredCount: 2 }], [task("blue")]));
  assert.deepEqual(plan.taskSetStarts, [{ deploymentId: "blue", count: 3 }, { deploymentId: "green", count: 2 }]);
  assert.deepEqual(plan.deployments, []);
  assert.equal(plan.start, undefined);
});

test("scale-in stops a set's extra tasks, not-yet-healthy ones first, never protected ones; tasks of no set all go", () => {
  const young = task("blue", { startedAt: NOW - 1000 });
  const guarded = task("blue", { protected: true });
  const old = task("blue");
  const orphan = task("gone");
  const plan = planService(input([{ id: "blue", desiredCount: 1 }], [guarded, old, young, orphan]));
  assert.deepEqual(plan.stops.map((s) => s.taskArn).sort(), [young.arn, old.arn, orphan.arn].sort());
  assert.equal(plan.taskSetStarts, undefined);
});

test("steady state once every set runs exactly its count; a failed task is replaced without the circuit breaker, then throttled", () => {
  const steady = planService(input([{ id: "blue", desiredCount: 1 }, { id: "green", desiredCount: 0 }], [task("blue")], { state: { ...initialServiceState(), consecutiveFailures: 2 } }));
  assert.deepEqual(steady.events, ["(service ext) has reached a steady state."]);
  assert.equal(steady.state.consecutiveFailures, 0);
  const crashed = () => task("blue", { lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: "EssentialContainerExited" });
  const first = crashed();
  const replaced = planService(input([{ id: "blue", desiredCount: 1 }], [first]));
  assert.deepEqual(replaced.accounted, [first.arn]);
  assert.deepEqual(replaced.taskSetStarts, [{ deploymentId: "blue", count: 1 }]);
  assert.equal(replaced.state.consecutiveFailures, 1);
  // The third failure in a row: no launch for a while, and ECS's throttle event.
  const third = planService(input([{ id: "blue", desiredCount: 1 }], [crashed()], { state: { ...initialServiceState(), consecutiveFailures: 2 } }));
  assert.equal(third.taskSetStarts, undefined);
  assert.ok(third.state.launchNotBefore! > NOW);
  assert.deepEqual(third.events, ["(service ext) is unable to consistently start tasks successfully."]);
});

test("a DRAINING service stops every task set's tasks and becomes INACTIVE once none is left", () => {
  const t = task("blue");
  const draining = planService(input([{ id: "blue", desiredCount: 4 }], [t], { status: "DRAINING" }));
  assert.deepEqual(draining.stops.map((s) => s.taskArn), [t.arn]);
  assert.equal(draining.inactive, false);
  assert.equal(planService(input([{ id: "blue", desiredCount: 4 }], [], { status: "DRAINING" })).inactive, true);
});
