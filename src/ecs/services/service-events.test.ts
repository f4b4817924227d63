import { test } from "node:test";
import assert from "node:assert/strict";
import { closestFailure, rolloutReasons, serviceMessages } from "./service-events.js";

const task = (id: string) => `arn:aws:ecs:us-east-1:000000000000:task/default/${id}`;
const instance = (id: string) => `arn:aws:ecs:us-east-1:000000000000:container-instance/default/${id}`;

test("service event messages are worded as ECS words them", () => {
  assert.equal(serviceMessages.started("web", [task("abc"), task("def")]), "(service web) has started 2 tasks: (task abc) (task def).");
  assert.equal(serviceMessages.stopped("web", [task("abc")]), "(service web) has stopped 1 running tasks: (task abc).");
  assert.equal(serviceMessages.steadyState("web"), "(service web) has reached a steady state.");
  assert.equal(serviceMessages.deploymentCompleted("web", "ecs-svc/123"), "(service web) (deployment ecs-svc/123) deployment completed.");
  assert.equal(serviceMessages.deploymentFailed("web", "ecs-svc/123"), "(service web) (deployment ecs-svc/123) deployment failed: tasks failed to start.");
  assert.equal(serviceMessages.rollingBack("web", "ecs-svc/122"), "(service web) rolling back to deployment ecs-svc/122.");
  assert.equal(serviceMessages.healthCheckFailed("web", task("abc")), "(service web) (task abc) failed container health checks.");
  assert.equal(serviceMessages.throttled("web"), "(service web) is unable to consistently start tasks successfully.");
});

test("rollout reasons", () => {
  assert.equal(rolloutReasons.inProgress("ecs-svc/1"), "ECS deployment ecs-svc/1 in progress.");
  assert.equal(rolloutReasons.completed("ecs-svc/1"), "ECS deployment ecs-svc/1 completed.");
  assert.equal(rolloutReasons.failed(), "ECS deployment circuit breaker: tasks failed to start.");
  assert.equal(rolloutReasons.rollingBack("ecs-svc/0"), "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/0.");
});

test("the unable-to-place event names the closest matching instance and why it could not take the task", () => {
  const tail = "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";
  const base = "(service web) was unable to place a task because no container instance met all of its requirements.";
  assert.equal(serviceMessages.unableToPlace("web", { kind: "no-instances" }), `${base} Reason: No Container Instances were found in your cluster. ${tail}`);
  const closest = closestFailure([{ arn: instance("a"), reason: "DRAINING" }, { arn: instance("b"), reason: "RESOURCE:MEMORY" }, { arn: instance("c"), reason: "RESOURCE:CPU" }]);
  assert.deepEqual(closest, { kind: "closest", instanceArn: instance("b"), reason: "RESOURCE:MEMORY" });
  assert.equal(serviceMessages.unableToPlace("web", closest), `${base} The closest matching (container-instance b) has insufficient memory available. ${tail}`);
  const cases: Array<[string, string]> = [
    ["RESOURCE:CPU", "has insufficient CPU units available."],
    ["RESOURCE:PORTS", "is already using a port required by your task."],
    ["ATTRIBUTE", "is missing an attribute required by your task."],
    ["AGENT", 'encountered error "AGENT".'],
  ];
  for (const [reason, words] of cases) {
    assert.equal(serviceMessages.unableToPlace("web", { kind: "closest", instanceArn: instance("x"), reason }), `${base} The closest matching (container-instance x) ${words} ${tail}`);
  }
  // A constraint is checked after resources: an instance that fails it got further.
  assert.equal((closestFailure([{ arn: instance("a"), reason: "RESOURCE:CPU" }, { arn: instance("b"), reason: "ATTRIBUTE" }]) as { instanceArn: string }).instanceArn, instance("b"));
  assert.deepEqual(closestFailure([]), { kind: "no-instances" });
});
