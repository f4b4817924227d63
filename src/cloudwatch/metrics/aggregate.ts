import { addValue, mergeInto, newDistribution, type Distribution } from "./distribution.js";

/** What a bucket keeps of the values that fell into it: enough for every statistic CloudWatch serves. */
export interface Aggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** For percentiles; null when they are unavailable (a negative value, or a statistic set of spread values). */
  dist: Distribution | null;
}

/** `count` occurrences of one value. */
export function valueAggregate(value: number, count = 1): Aggregate {
  const dist = value >= 0 ? newDistribution() : null;
  if (dist) addValue(dist, value, count);
  return { count, sum: value * count, min: value, max: value, dist };
}

/**
 * A statistic set. It has no distribution, except where AWS still serves percentiles: a sample
 * count of 1, or Minimum equal to Maximum (every value is then known).
 */
export function statisticSetAggregate(s: { SampleCount: number; Sum: number; Minimum: number; Maximum: number }): Aggregate {
  const known = (s.SampleCount === 1 || s.Minimum === s.Maximum) && s.Minimum >= 0;
  const dist = known ? newDistribution() : null;
  if (dist) addValue(dist, s.Minimum, s.SampleCount);
  return { count: s.SampleCount, sum: s.Sum, min: s.Minimum, max: s.Maximum, dist };
}

/** Folds `from` into `into` (changing it). */
export function mergeAggregate(into: Aggregate, from: Aggregate): void {
  into.count += from.count;
  into.sum += from.sum;
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
  if (into.dist && from.dist) mergeInto(into.dist, from.dist);
  else into.dist = null;
}
