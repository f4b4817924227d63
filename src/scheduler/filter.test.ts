import { test } from "node:test";
import assert from "node:assert/strict";
import { filterInstances } from "./filter.js";
import { instance, task } from "./testing/fixtures.js";

const fleet = [
  instance("a", { type: "t2.small", az: "us-east-1a", attributes: { stack: "prod" } }),
  instance("b", { type: "t2.medium", az: "us-east-1b", attributes: { stack: "dev" }, tasks: [task("t1")] }),
  instance("c", { type: "g2.2xlarge", az: "us-east-1a" }),
];
const ids = (expr: string) => {
  const r = filterInstances(fleet, expr);
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return r.ok ? r.instances.map((i) => i.id) : [];
};

test("ListContainerInstances filters, as ECS's guide writes them", () => {
  assert.deepEqual(ids("attribute:ecs.instance-type == g2.2xlarge"), ["c"]);
  assert.deepEqual(ids("attribute:stack == prod"), ["a"]);
  assert.deepEqual(ids("attribute:stack != prod"), ["b"], "instances with a stack attribute other than prod");
  assert.deepEqual(ids("attribute:ecs.instance-type in [t2.small, t2.medium]"), ["a", "b"]);
  assert.deepEqual(ids("attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a"), ["a"]);
  assert.deepEqual(ids("runningTasksCount == 1"), ["b"]);
  assert.deepEqual(ids("ec2InstanceId in ['i-a', 'i-c']"), ["a", "c"]);
});

test("an invalid filter is an error value with its position", () => {
  const r = filterInstances(fleet, "attribute:stack === prod");
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.column, 19);
});
