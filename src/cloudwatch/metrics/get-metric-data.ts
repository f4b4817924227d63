import type { GetMetricDataInput, GetMetricDataOutput, MetricDataQuery, MetricDataResult } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import { invalidNextToken, invalidValue } from "../errors.js";
import { checkPeriod, type PeriodCheck } from "./get-metric-statistics.js";
import { alignStart } from "./retention.js";
import type { SeriesStore } from "./series-store.js";
import { intoPeriods, percentileOf, statisticOf, STATISTICS } from "./statistics.js";
import { evaluateExpressions, type BandSeries, type TimeSeries } from "./math/evaluate.js";
import { TRAINING_SECONDS } from "../anomaly/anomaly-band.js";
import type { AnomalyModels } from "../anomaly/anomaly-models.js";
import { dynamicLabel } from "./labels.js";
import { sortedPercentile } from "./distribution.js";

/** GetMetricData's default and largest MaxDatapoints. */
const MAX_DATAPOINTS = 100_800;
const MAX_QUERIES = 500;

/**
 * GetMetricData: each query a metric's statistic per period, or a metric math expression over
 * other queries; the results of queries with ReturnData (default true), newest first unless
 * ScanBy says TimestampAscending, paged by MaxDatapoints with a NextToken.
 */
export function getMetricData(store: SeriesStore, scope: Scope, input: GetMetricDataInput, now: Date, check: PeriodCheck = checkPeriod, models?: AnomalyModels): GetMetricDataOutput {
  const queries = input.MetricDataQueries!;
  if (queries.length > MAX_QUERIES) throw invalidValue(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  const startTime = input.StartTime!.getTime() / 1000;
  const endTime = input.EndTime!.getTime() / 1000;
  if (startTime >= endTime) throw invalidValue("The parameter StartTime must be less than the parameter EndTime.");
  checkQueries(queries, check);
  const nowSeconds = now.getTime() / 1000;
  // ANOMALY_DETECTION_BAND trains on the 14 days before each period: everything is read (and the
  // math evaluated) from that far back, and trimmed to the range asked for at the end.
  const banded = models !== undefined && queries.some((q) => q.Expression !== undefined && /ANOMALY_DETECTION_BAND\s*\(/i.test(q.Expression));
  // Whole periods back from the range's aligned start, so the periods read line up with those returned.
  const lookback = (period: number) => (banded ? Math.ceil(TRAINING_SECONDS / period) * period : 0);
  const series = new Map<string, TimeSeries>();
  for (const [i, q] of queries.entries()) {
    if (!q.MetricStat) continue;
    series.set(q.Id!, metricStatSeries(store, scope, q, i, startTime, endTime, nowSeconds, lookback(q.MetricStat.Period!)));
  }
  // Expressions see every query's series; a period for expressions over no metric (PERIOD(), constants) is the smallest asked.
  const periods = queries.map((q) => q.MetricStat?.Period ?? q.Period).filter((p): p is number => p !== undefined);
  const defaultPeriod = periods.length ? Math.min(...periods) : 60;
  const outputStart = alignStart(Math.floor(startTime), defaultPeriod, nowSeconds);
  const bands = new Map<string, BandSeries>();
  const messages = evaluateExpressions(
    queries, series, { start: outputStart - lookback(defaultPeriod), end: endTime, period: defaultPeriod },
    models && { context: { outputStart, settingsFor: (q) => models.settingsFor(scope, q, queries) }, out: bands },
  );
  if (banded) for (const [id, s] of series) series.set(id, from(s, alignStart(Math.floor(startTime), s.period, nowSeconds)));
  const descending = (input.ScanBy ?? "TimestampDescending") === "TimestampDescending";
  const all: MetricDataResult[] = [];
  for (const q of queries) {
    if (q.ReturnData === false) continue;
    const band = bands.get(q.Id!);
    // A band is two results with the query's Id: the upper bound, then the lower.
    const results: Array<[TimeSeries, string]> = band
      ? [[band.upper, `${dynamicLabel(q, band.upper)} (upper bound)`], [band.lower, `${dynamicLabel(q, band.lower)} (lower bound)`]]
      : [[series.get(q.Id!)!, dynamicLabel(q, series.get(q.Id!)!)]];
    for (const [s, label] of results) {
      const order = s.timestamps.map((_, i) => i);
      if (descending) order.reverse();
      all.push({
        Id: q.Id, Label: label,
        Timestamps: order.map((i) => new Date(s.timestamps[i]! * 1000)), Values: order.map((i) => s.values[i]!),
        StatusCode: "Complete", Messages: messages.get(q.Id!) ?? [],
      });
    }
  }
  return paged(all, input);
}

/** The part of a series from `start` on. */
function from(s: TimeSeries, start: number): TimeSeries {
  const i = s.timestamps.findIndex((t) => t >= start);
  const at = i < 0 ? s.timestamps.length : i;
  return { ...s, start: Math.max(s.start, start), timestamps: s.timestamps.slice(at), values: s.values.slice(at) };
}

function checkQueries(queries: MetricDataQuery[], checkPeriod: PeriodCheck): void {
  const ids = new Set<string>();
  queries.forEach((q, i) => {
    const name = `MetricDataQueries.member.${i + 1}`;
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.Id!)) {
      throw invalidValue(`The value ${q.Id} for parameter ${name}.Id is invalid. The Id must start with a lowercase letter and contain only letters, numbers and underscores.`);
    }
    if (ids.has(q.Id!)) throw invalidValue(`The value ${q.Id} for parameter MetricDataQueries.member.${i + 1}.Id is not unique.`);
    ids.add(q.Id!);
    if ((q.MetricStat === undefined) === (q.Expression === undefined)) {
      throw invalidValue(`The parameter ${name} must contain exactly one of MetricStat and Expression.`);
    }
    if (q.MetricStat) {
      checkPeriod(q.MetricStat.Period!, `${name}.MetricStat.Period`);
      const stat = q.MetricStat.Stat!;
      if (!(STATISTICS as readonly string[]).includes(stat) && percentileOf(stat) === undefined) {
        throw invalidValue(`The value ${stat} for parameter ${name}.MetricStat.Stat is not supported.`);
      }
    }
    if (q.Period !== undefined) checkPeriod(q.Period, `${name}.Period`);
  });
  if (!queries.some((q) => q.ReturnData !== false)) throw invalidValue("No query has ReturnData set to true: at least one must return data.");
}

function metricStatSeries(store: SeriesStore, scope: Scope, q: MetricDataQuery, _i: number, startTime: number, endTime: number, nowSeconds: number, lookback = 0): TimeSeries {
  const { Metric, Period, Stat, Unit } = q.MetricStat!;
  const period = Period!;
  const start = alignStart(Math.floor(startTime), period, nowSeconds) - lookback;
  const empty: TimeSeries = { timestamps: [], values: [], period, start, metric: q.MetricStat };
  const id = store.find(scope, { namespace: Metric!.Namespace ?? "", metricName: Metric!.MetricName ?? "", dimensions: (Metric!.Dimensions ?? []).map((d) => ({ Name: d.Name!, Value: d.Value! })) });
  if (id === undefined) return empty;
  const p = percentileOf(Stat!);
  if (p !== undefined) {
    // Percentiles merge each period's distributions, read for the whole range in one copy out of SQLite.
    for (const at of store.readPeriodDistributions(id, start, endTime, period, Unit)) {
      const v = at.dist ? sortedPercentile(at.dist, p, at.min, at.max) : undefined;
      if (v === undefined) continue;
      empty.timestamps.push(at.start);
      empty.values.push(v);
    }
    return empty;
  }
  const buckets = store.read(id, start, Math.ceil(endTime), false).filter((b) => (Unit === undefined || b.unit === Unit) && b.bucket < endTime);
  const periods = [...intoPeriods(buckets, start, period, false).values()].sort((a, b) => a.start - b.start);
  for (const p of periods) {
    const v = statisticOf(p.agg, Stat!);
    if (v === undefined) continue;
    empty.timestamps.push(p.start);
    empty.values.push(v);
  }
  return empty;
}

/**
 * MaxDatapoints counts values across every returned result; a result cut short is PartialData
 * and the NextToken says where the next page starts (the result and value index), so a repeated
 * call with the token continues where this one stopped.
 */
function paged(all: MetricDataResult[], input: GetMetricDataInput): GetMetricDataOutput {
  const max = input.MaxDatapoints ?? MAX_DATAPOINTS;
  let [result, offset] = [0, 0];
  if (input.NextToken !== undefined) {
    const decoded = /^[A-Za-z0-9_-]+$/.test(input.NextToken) ? Buffer.from(input.NextToken, "base64url").toString("utf8") : "";
    const m = /^cw-data:(\d{1,6}):(\d{1,9})$/.exec(decoded);
    if (!m || Number(m[1]) >= Math.max(all.length, 1)) throw invalidNextToken();
    [result, offset] = [Number(m[1]), Number(m[2])];
  }
  let budget = max;
  const out: MetricDataResult[] = [];
  let next: string | undefined;
  for (let r = result; r < all.length; r++) {
    const res = all[r]!;
    const from = r === result ? offset : 0;
    const take = Math.min(budget, res.Values!.length - from);
    out.push({ ...res, Timestamps: res.Timestamps!.slice(from, from + take), Values: res.Values!.slice(from, from + take) });
    budget -= take;
    if (from + take < res.Values!.length) {
      out[out.length - 1]!.StatusCode = "PartialData";
      next = Buffer.from(`cw-data:${r}:${from + take}`).toString("base64url");
      break;
    }
    if (budget === 0 && r + 1 < all.length) {
      next = Buffer.from(`cw-data:${r + 1}:0`).toString("base64url");
      break;
    }
  }
  return { MetricDataResults: out, Messages: [], NextToken: next };
}
