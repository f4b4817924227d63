import { test } from "node:test";
import assert from "node:assert/strict";
import { aggregate, selectStep, stepCapacity, validateStepConfiguration } from "./step-adjustments.js";
import type { StepScalingPolicyConfiguration } from "./types.js";

// AWS's example: threshold 50, steps +1 for [0, 10), +2 for [10, 20), +3 for [20, inf).
const steps = [
  { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
  { MetricIntervalLowerBound: 10, MetricIntervalUpperBound: 20, ScalingAdjustment: 2 },
  { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
];

test("a breach selects its step: lower bounds inclusive above the threshold, upper bounds inclusive below", () => {
  assert.equal(selectStep(steps, 0)?.ScalingAdjustment, 1);
  assert.equal(selectStep(steps, 9.9)?.ScalingAdjustment, 1);
  assert.equal(selectStep(steps, 10)?.ScalingAdjustment, 2);
  assert.equal(selectStep(steps, 55)?.ScalingAdjustment, 3);
  assert.equal(selectStep(steps, -1), undefined);
  const scaleIn = [{ MetricIntervalUpperBound: -10, ScalingAdjustment: -2 }, { MetricIntervalLowerBound: -10, MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }];
  assert.equal(selectStep(scaleIn, 0)?.ScalingAdjustment, -1);
  assert.equal(selectStep(scaleIn, -10)?.ScalingAdjustment, -2);
  assert.equal(selectStep(scaleIn, -30)?.ScalingAdjustment, -2);
});

test("adjustment types: change, percent (truncated, at least 1, at least MinAdjustmentMagnitude), exact", () => {
  const c = (AdjustmentType: StepScalingPolicyConfiguration["AdjustmentType"], MinAdjustmentMagnitude?: number) => ({ AdjustmentType, MinAdjustmentMagnitude });
  assert.equal(stepCapacity(c("ChangeInCapacity"), { ScalingAdjustment: 2 }, 3), 5);
  assert.equal(stepCapacity(c("ChangeInCapacity"), { ScalingAdjustment: -2 }, 3), 1);
  assert.equal(stepCapacity(c("ExactCapacity"), { ScalingAdjustment: 7 }, 3), 7);
  assert.equal(stepCapacity(c("PercentChangeInCapacity"), { ScalingAdjustment: 50 }, 5), 7, "2.5 rounds down to 2");
  assert.equal(stepCapacity(c("PercentChangeInCapacity"), { ScalingAdjustment: 10 }, 4), 5, "0.4 becomes 1");
  assert.equal(stepCapacity(c("PercentChangeInCapacity"), { ScalingAdjustment: -10 }, 4), 3, "-0.4 becomes -1");
  assert.equal(stepCapacity(c("PercentChangeInCapacity"), { ScalingAdjustment: -50 }, 5), 3, "-2.5 rounds towards zero");
  assert.equal(stepCapacity(c("PercentChangeInCapacity", 3), { ScalingAdjustment: 10 }, 4), 7, "MinAdjustmentMagnitude 3");
});

test("step configurations AWS refuses", () => {
  const bad = (c: StepScalingPolicyConfiguration, message: RegExp) =>
    assert.throws(() => validateStepConfiguration(c), (e: Error) => e.name === "ValidationException" && message.test(e.message));
  validateStepConfiguration({ AdjustmentType: "ChangeInCapacity", StepAdjustments: steps });
  bad({ StepAdjustments: steps }, /AdjustmentType/);
  bad({ AdjustmentType: "ChangeInCapacity", StepAdjustments: [] }, /StepAdjustments/);
  bad({ AdjustmentType: "ChangeInCapacity", MinAdjustmentMagnitude: 1, StepAdjustments: steps }, /PercentChangeInCapacity/);
  bad({ AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 5, ScalingAdjustment: 2 }] }, /overlap/);
  bad({ AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 15, ScalingAdjustment: 2 }] }, /gaps/);
  bad({ AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 10, MetricIntervalUpperBound: 5, ScalingAdjustment: 1 }] }, /greater than/);
  bad({ AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 10, ScalingAdjustment: 1 }] }, /null upper bound|overlap/);
});

test("MetricAggregationType aggregates the alarm's datapoints", () => {
  assert.equal(aggregate([1, 2, 6]), 3);
  assert.equal(aggregate([1, 2, 6], "Minimum"), 1);
  assert.equal(aggregate([1, 2, 6], "Maximum"), 6);
  assert.equal(aggregate([]), undefined);
});
