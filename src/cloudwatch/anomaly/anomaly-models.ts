import type { MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import { zoneOffset, type BandOptions } from "./anomaly-band.js";
import { mathKey, singleMetricKey } from "./anomaly-detector-input.js";
import { AnomalyDetectorStore } from "./anomaly-detector-store.js";

/**
 * The detectors' settings as ANOMALY_DETECTION_BAND uses them: the band over a MetricStat query
 * follows the single-metric detector of that metric and statistic, the band over an expression
 * the metric math detector of that expression. Without a detector the band is still computed,
 * with no excluded ranges, in UTC.
 */
export class AnomalyModels {
  private readonly store: AnomalyDetectorStore;

  constructor(db: Db) {
    this.store = new AnomalyDetectorStore(db);
  }

  settingsFor(scope: Scope, q: MetricDataQuery | undefined, _queries: MetricDataQuery[]): Pick<BandOptions, "excluded" | "utcOffset"> {
    if (!q) return {};
    const m = q.MetricStat;
    const key = m
      ? singleMetricKey({ Namespace: m.Metric?.Namespace, MetricName: m.Metric?.MetricName, Dimensions: m.Metric?.Dimensions ?? [], Stat: m.Stat })
      : q.Expression !== undefined ? mathKey(q.Expression) : undefined;
    const c = key !== undefined ? this.store.get(scope, key)?.detector.Configuration : undefined;
    if (!c) return {};
    return {
      excluded: (c.ExcludedTimeRanges ?? []).map((r) => ({ start: r.StartTime!.getTime() / 1000, end: r.EndTime!.getTime() / 1000 })),
      ...(c.MetricTimezone ? { utcOffset: zoneOffset(c.MetricTimezone) } : {}),
    };
  }
}
