import { mergeEncoded, percentile, type Distribution } from "./distribution.js";
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

/**
 * A period's statistics: the sums of its buckets, and for percentiles their encoded distributions,
 * merged only when a percentile is first asked for (null: unavailable, some bucket had none).
 */
export interface PeriodAggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
  blobs: Buffer[] | null;
  dist?: Distribution;
}

export function statisticOf(agg: PeriodAggregate, stat: string): number | undefined {
  switch (stat) {
    case "SampleCount": return agg.count;
    case "Average": return agg.count > 0 ? agg.sum / agg.count : undefined;
    case "Sum": return agg.sum;
    case "Minimum": return agg.min;
    case "Maximum": return agg.max;
  }
  const p = percentileOf(stat);
  if (p === undefined || !agg.blobs) return undefined;
  agg.dist ??= mergeEncoded(agg.blobs);
  return percentile(agg.dist, p, agg.min, agg.max);
}

/**
 * The stored buckets of a query grouped into its periods: [start, start + period) from the aligned
 * start, each period's aggregate keyed by its start (epoch seconds). A bucket serves a period only
 * if its resolution divides the period: data rolled up to 5 minutes has no 1-minute periods, which
 * is CloudWatch's "you must specify the period as follows or no data points are returned".
 * `withDistributions` keeps the buckets' distributions (only percentiles need them); they are
 * decoded once per period, when a percentile is asked for.
 */
export function intoPeriods(buckets: StoredBucket[], start: number, period: number, withDistributions: boolean, key: (b: StoredBucket) => string = () => ""):
  Map<string, { start: number; unit: string; agg: PeriodAggregate }> {
  const periods = new Map<string, { start: number; unit: string; agg: PeriodAggregate }>();
  for (const b of buckets) {
    if (b.resolution > period || period % b.resolution !== 0) continue;
    const periodStart = start + Math.floor((b.bucket - start) / period) * period;
    const k = `${periodStart}|${key(b)}`;
    const existing = periods.get(k);
    const blob = withDistributions ? b.dist : null;
    if (existing) {
      const agg = existing.agg;
      agg.count += b.count;
      agg.sum += b.sum;
      if (b.min < agg.min) agg.min = b.min;
      if (b.max > agg.max) agg.max = b.max;
      if (agg.blobs && blob) agg.blobs.push(blob);
      else agg.blobs = null;
    } else {
      periods.set(k, { start: periodStart, unit: b.unit, agg: { count: b.count, sum: b.sum, min: b.min, max: b.max, blobs: blob ? [blob] : null } });
    }
  }
  return periods;
}
