import type { MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import { zoneOffset, type BandOptions } from "./anomaly-band.js";
import { singleMetricKey } from "./anomaly-detector-input.js";
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

  settingsFor(scope: Scope, q: MetricDataQuery | undefined, queries: MetricDataQuery[]): Pick<BandOptions, "excluded" | "utcOffset"> {
    if (!q) return {};
    const c = (q.MetricStat ? this.single(scope, q) : this.math(scope, q, queries))?.detector.Configuration;
    if (!c) return {};
    return {
      excluded: (c.ExcludedTimeRanges ?? []).map((r) => ({ start: r.StartTime!.getTime() / 1000, end: r.EndTime!.getTime() / 1000 })),
      ...(c.MetricTimezone ? { utcOffset: zoneOffset(c.MetricTimezone) } : {}),
    };
  }

  private single(scope: Scope, q: MetricDataQuery) {
    const m = q.MetricStat!;
    return this.store.get(scope, singleMetricKey({ Namespace: m.Metric?.Namespace, MetricName: m.Metric?.MetricName, Dimensions: m.Metric?.Dimensions ?? [], Stat: m.Stat }));
  }

  /** The metric math detector whose returned expression is this one and whose metrics are the ones it reads here. */
  private math(scope: Scope, q: MetricDataQuery, queries: MetricDataQuery[]) {
    if (q.Expression === undefined) return undefined;
    const metricOf = (x: MetricDataQuery | undefined) => x?.MetricStat && singleMetricKey({ ...x.MetricStat.Metric, Stat: x.MetricStat.Stat });
    return this.store.list(scope).find((d) => {
      const theirs = d.detector.MetricMathAnomalyDetector?.MetricDataQueries ?? [];
      const returned = theirs.find((x) => x.ReturnData !== false);
      if (returned?.Expression !== q.Expression) return false;
      return theirs.every((x) => !x.MetricStat || metricOf(x) === metricOf(queries.find((y) => y.Id === x.Id)));
    });
  }
}
