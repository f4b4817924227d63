import { test } from "node:test";
import assert from "node:assert/strict";
import { planStartTask } from "./start-task.js";
import { cluster, instance, request } from "./testing/fixtures.js";

test("StartTask places one task per named instance, by ID or ARN, and explains the rest", () => {
  const c = cluster(instance("a", { memory: 1024 }), instance("b", { status: "INACTIVE" }), instance("c", { memory: 100 }));
  const r = planStartTask(c, request({ memory: 512 }), ["a", c.instances[0]!.arn, "b", "c", "nope"]);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.plan.placements.map((p) => p.instanceId), ["a", "a"], "the same instance twice takes two tasks while it has room");
  assert.deepEqual(r.plan.failures, [
    { arn: c.instances[1]!.arn, reason: "INACTIVE" },
    { arn: c.instances[2]!.arn, reason: "RESOURCE:MEMORY" },
    { arn: "nope", reason: "MISSING" },
  ]);
  const third = planStartTask(c, request({ memory: 512 }), ["a", "a", "a"]);
  assert.deepEqual(third.ok && third.plan.failures, [{ arn: c.instances[0]!.arn, reason: "RESOURCE:MEMORY" }]);
});
