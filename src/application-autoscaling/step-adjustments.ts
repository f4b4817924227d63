import { validation } from "./errors.js";
import type { StepAdjustment, StepScalingPolicyConfiguration } from "./types.js";

const lower = (s: StepAdjustment) => s.MetricIntervalLowerBound ?? -Infinity;
const upper = (s: StepAdjustment) => s.MetricIntervalUpperBound ?? Infinity;

/**
 * Checks a step scaling configuration as AWS does: an adjustment type, at least one step, steps
 * that neither overlap nor leave gaps, at most one unbounded below and one above, and
 * MinAdjustmentMagnitude only with PercentChangeInCapacity.
 */
export function validateStepConfiguration(c: StepScalingPolicyConfiguration): void {
  if (c.AdjustmentType === undefined) throw validation("AdjustmentType must be specified for step scaling policy configuration");
  const steps = c.StepAdjustments ?? [];
  if (steps.length === 0) throw validation("StepAdjustments must be specified for step scaling policy configuration");
  if (c.MinAdjustmentMagnitude !== undefined && c.AdjustmentType !== "PercentChangeInCapacity") {
    throw validation("MinAdjustmentMagnitude may only be specified if AdjustmentType is PercentChangeInCapacity");
  }
  if (c.MinAdjustmentMagnitude !== undefined && c.MinAdjustmentMagnitude < 1) throw validation("MinAdjustmentMagnitude must be greater than or equal to 1");
  if (c.AdjustmentType === "ExactCapacity" && steps.some((s) => s.ScalingAdjustment < 0)) {
    throw validation("ScalingAdjustment cannot be negative when AdjustmentType is ExactCapacity");
  }
  for (const s of steps) {
    if (s.MetricIntervalLowerBound === undefined && s.MetricIntervalUpperBound === undefined && steps.length > 1) {
      throw validation("Only one step adjustment may have both a null lower bound and a null upper bound");
    }
    if (lower(s) >= upper(s)) throw validation("Step adjustment upper bound must be greater than its lower bound");
  }
  if (steps.filter((s) => s.MetricIntervalLowerBound === undefined).length > 1) throw validation("Only one step adjustment may have a null lower bound");
  if (steps.filter((s) => s.MetricIntervalUpperBound === undefined).length > 1) throw validation("Only one step adjustment may have a null upper bound");
  const sorted = [...steps].sort((a, b) => lower(a) - lower(b));
  for (let i = 1; i < sorted.length; i++) {
    if (upper(sorted[i - 1]!) > lower(sorted[i]!)) throw validation("Step adjustments must not overlap");
    if (upper(sorted[i - 1]!) < lower(sorted[i]!)) throw validation("Step adjustments must not have gaps between them");
  }
}

/**
 * The step a breach selects: `breach` is the metric minus the alarm's threshold. Above the
 * threshold a step's lower bound is inclusive and its upper bound exclusive; below it, the
 * other way round (AWS's rule, so that 0 belongs to exactly one side).
 */
export function selectStep(steps: StepAdjustment[], breach: number): StepAdjustment | undefined {
  if (breach >= 0) {
    const above = steps.find((s) => lower(s) <= breach && breach < upper(s));
    if (above) return above;
  }
  return steps.find((s) => lower(s) < breach && breach <= upper(s));
}

/**
 * The capacity a step asks for, from `base` (the current capacity, or the capacity before the
 * scale-out whose cooldown is running). Percentages are truncated towards zero but change at
 * least 1, and at least MinAdjustmentMagnitude, as AWS rounds them.
 */
export function stepCapacity(c: StepScalingPolicyConfiguration, step: StepAdjustment, base: number): number {
  const n = step.ScalingAdjustment;
  switch (c.AdjustmentType) {
    case "ExactCapacity":
      return n;
    case "PercentChangeInCapacity": {
      const raw = (base * n) / 100;
      if (raw === 0) return base;
      let change = Math.sign(raw) * Math.max(1, Math.floor(Math.abs(raw)));
      if (c.MinAdjustmentMagnitude !== undefined && Math.abs(change) < c.MinAdjustmentMagnitude) change = Math.sign(raw) * c.MinAdjustmentMagnitude;
      return base + change;
    }
    default:
      return base + n;
  }
}

/** The metric value a step policy acts on: the alarm's recent datapoints aggregated as configured. */
export function aggregate(values: number[], type: StepScalingPolicyConfiguration["MetricAggregationType"] = "Average"): number | undefined {
  if (values.length === 0) return undefined;
  if (type === "Minimum") return Math.min(...values);
  if (type === "Maximum") return Math.max(...values);
  return values.reduce((a, b) => a + b, 0) / values.length;
}
