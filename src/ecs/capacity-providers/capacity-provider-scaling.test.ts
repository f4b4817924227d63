import { test } from "node:test";
import assert from "node:assert/strict";
import { capacityProviderReservation, instancesNeeded, scalingStep, tasksPerInstance } from "./capacity-provider-scaling.js";

test("reservation is M/N x 100, with 100 for nothing at all and 200 for tasks without instances", () => {
  assert.equal(capacityProviderReservation(0, 0), 100);
  assert.equal(capacityProviderReservation(3, 0), 200);
  assert.equal(capacityProviderReservation(2, 4), 50);
  assert.equal(capacityProviderReservation(5, 4), 125);
  assert.equal(capacityProviderReservation(4, 4), 100);
});

const base = { targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 10000, minSize: 0, maxSize: 10 };

test("scaling: out to M at target 100, to ceil(M x 100 / target) below it, within the pool and the steps", () => {
  assert.equal(scalingStep({ ...base, instances: 1, needed: 3 }), 2);
  assert.equal(scalingStep({ ...base, instances: 1, needed: 3, targetCapacity: 50 }), 5, "6 instances hold 3 busy ones at 50 %");
  assert.equal(scalingStep({ ...base, instances: 1, needed: 3, maximumScalingStepSize: 1 }), 1);
  assert.equal(scalingStep({ ...base, instances: 0, needed: 1, minimumScalingStepSize: 2 }), 2);
  assert.equal(scalingStep({ ...base, instances: 9, needed: 20 }), 1, "never past maxSize");
  assert.equal(scalingStep({ ...base, instances: 3, needed: 3 }), 0);
});

test("scaling: in when the reservation falls below target, down to what is needed", () => {
  assert.equal(scalingStep({ ...base, instances: 3, needed: 0 }), -3);
  assert.equal(scalingStep({ ...base, instances: 3, needed: 1 }), -2);
  assert.equal(scalingStep({ ...base, instances: 3, needed: 0, minSize: 1 }), -2);
  assert.equal(scalingStep({ ...base, instances: 3, needed: 0, maximumScalingStepSize: 1 }), -1);
});

test("instances needed: busy ones plus enough for the waiting tasks", () => {
  assert.equal(instancesNeeded(2, 0, 4), 2);
  assert.equal(instancesNeeded(2, 1, 4), 3);
  assert.equal(instancesNeeded(0, 5, 2), 3);
  assert.equal(instancesNeeded(0, 5, 0), 5);
});

test("tasks per new instance: as many as cpu and memory allow, one under distinctInstance", () => {
  const size = { cpu: 1024, memory: 256 };
  assert.equal(tasksPerInstance({ cpu: 0, memory: 128, distinctInstance: false }, size), 2);
  assert.equal(tasksPerInstance({ cpu: 512, memory: 64, distinctInstance: false }, size), 2, "cpu binds first");
  assert.equal(tasksPerInstance({ cpu: 0, memory: 128, distinctInstance: true }, size), 1);
  assert.equal(tasksPerInstance({ cpu: 0, memory: 0, distinctInstance: false }, size), 1, "nothing reserved: one");
  assert.equal(tasksPerInstance({ cpu: 0, memory: 512, distinctInstance: false }, size), 1, "too big still asks for one");
  // Three such tasks waiting with nothing running: three instances, not two.
  assert.equal(instancesNeeded(0, 3, tasksPerInstance({ cpu: 0, memory: 128, distinctInstance: true }, size)), 3);
});
