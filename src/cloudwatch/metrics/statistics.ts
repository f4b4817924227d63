import { mergeAggregate, type Aggregate } from "./aggregate.js";
import { decode } from "./distribution.js";
import { percentile } from "./distribution.js";
import type { StoredBucket } from "./series-store.js";

/** The five statistics every datapoint has. */
export const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;
export type Statistic = (typeof STATISTICS)[number];

/** pNN or pNN.NN..., 0 to 100 (GetMetricStatistics' ExtendedStatistics; GetMetricData's percentile Stat). */
const PERCENTILE = /^p(\d{1,2}(\.\d{1,10})?|100(\.0{1,10})?)$/;

/** The percentile a statistic names, or undefined when it is not one. */
export function percentileOf(stat: string): number | undefined {
  return PERCENTILE.test(stat) ? Number(stat.slice(1)) : undefined;
}

export function statisticOf(agg: Aggregate, stat: string): number | undefined {
  switch (stat) {
    case "SampleCount": return agg.count;
    case "Average": return agg.count > 0 ? agg.sum / agg.count : undefined;
    case "Sum": return agg.sum;
    case "Minimum": return agg.min;
    case "Maximum": return agg.max;
  }
  const p = percentileOf(stat);
  return p !== undefined && agg.dist ? percentile(agg.dist, p, agg.min, agg.max) : undefined;
}

/**
 * The stored buckets of a query grouped into its periods: [start, start + period) from the aligned
 * start, each period's aggregate keyed by its start (epoch seconds). A bucket serves a period only
 * if its resolution divides the period: data rolled up to 5 minutes has no 1-minute periods, which
 * is CloudWatch's "you must specify the period as follows or no data points are returned".
 * `withDistributions` decodes the buckets' distributions (only percentiles need them).
 */
export function intoPeriods(buckets: StoredBucket[], start: number, period: number, withDistributions: boolean, key: (b: StoredBucket) => string = () => ""):
  Map<string, { start: number; unit: string; agg: Aggregate }> {
  const periods = new Map<string, { start: number; unit: string; agg: Aggregate }>();
  for (const b of buckets) {
    if (b.resolution > period || period % b.resolution !== 0) continue;
    const periodStart = start + Math.floor((b.bucket - start) / period) * period;
    const k = `${periodStart}|${key(b)}`;
    const agg: Aggregate = { count: b.count, sum: b.sum, min: b.min, max: b.max, dist: withDistributions && b.dist ? decode(b.dist) : null };
    const existing = periods.get(k);
    if (existing) mergeAggregate(existing.agg, agg);
    else periods.set(k, { start: periodStart, unit: b.unit, agg });
  }
  return periods;
}
