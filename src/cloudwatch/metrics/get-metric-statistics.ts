import type { Datapoint, GetMetricStatisticsInput, GetMetricStatisticsOutput, StandardUnit } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import { invalidCombination, invalidValue } from "../errors.js";
import { alignStart, isValidPeriod } from "./retention.js";
import type { SeriesStore } from "./series-store.js";
import { intoPeriods, percentileOf, statisticOf } from "./statistics.js";

/** "If you request more than 1,440 data points, CloudWatch returns an error." */
const MAX_DATAPOINTS = 1440;

/** How a query's periods are checked: the API's rules, or (Berth's own readers) any whole second. */
export type PeriodCheck = (period: number, parameter?: string) => void;

export const checkPeriod: PeriodCheck = (period, parameter = "Period") => {
  if (!isValidPeriod(period)) throw invalidValue(`The parameter ${parameter} must be a multiple of 60.`);
};

/**
 * Alarms and Application Auto Scaling validated their periods with the API's rules when they were
 * put; under metricPeriodScale they read those periods shortened (60 s at scale 10 is 6 s), which
 * the API would refuse.
 */
export const anyWholeSecond: PeriodCheck = (period, parameter = "Period") => {
  if (!Number.isInteger(period) || period < 1) throw invalidValue(`The parameter ${parameter} must be a whole number of seconds.`);
};

/** GetMetricStatistics: one metric (exact dimensions), its statistics per period, one datapoint per period with data (and per unit). */
export function getMetricStatistics(store: SeriesStore, scope: Scope, input: GetMetricStatisticsInput, now: Date, check: PeriodCheck = checkPeriod): GetMetricStatisticsOutput {
  const statistics = input.Statistics ?? [];
  const extended = input.ExtendedStatistics ?? [];
  if (statistics.length === 0 && extended.length === 0) {
    throw invalidCombination("At least one of the parameters Statistics and ExtendedStatistics must be specified.");
  }
  for (const e of extended) {
    if (percentileOf(e) === undefined) throw invalidValue(`The value ${e} for parameter ExtendedStatistics is not supported.`);
  }
  const period = input.Period!;
  check(period);
  const startTime = input.StartTime!.getTime() / 1000;
  const endTime = input.EndTime!.getTime() / 1000;
  if (startTime >= endTime) throw invalidValue("The parameter StartTime must be less than the parameter EndTime.");
  const start = alignStart(Math.floor(startTime), period, now.getTime() / 1000);
  const requested = Math.ceil((endTime - start) / period);
  if (requested > MAX_DATAPOINTS) {
    throw invalidCombination(`You have requested up to ${requested.toLocaleString("en-US")} datapoints, which exceeds the limit of ${MAX_DATAPOINTS.toLocaleString("en-US")}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`);
  }
  const Label = input.MetricName!;
  const series = store.find(scope, { namespace: input.Namespace!, metricName: input.MetricName!, dimensions: (input.Dimensions ?? []).map((d) => ({ Name: d.Name!, Value: d.Value! })) });
  if (series === undefined) return { Label, Datapoints: [] };
  const buckets = store.read(series, start, Math.ceil(endTime), extended.length > 0).filter((b) => (input.Unit === undefined || b.unit === input.Unit) && b.bucket < endTime);
  // Without a Unit, data put with different units is not mixed: each unit gets its own datapoints.
  const periods = intoPeriods(buckets, start, period, extended.length > 0, (b) => b.unit);
  const Datapoints: Datapoint[] = [];
  for (const { start: at, unit, agg } of periods.values()) {
    const d: Datapoint = { Timestamp: new Date(at * 1000), Unit: unit as StandardUnit };
    for (const s of statistics) (d as Record<string, unknown>)[s] = statisticOf(agg, s);
    if (extended.length > 0) {
      const values: Record<string, number> = {};
      for (const e of extended) {
        const v = statisticOf(agg, e);
        if (v !== undefined) values[e] = v;
      }
      d.ExtendedStatistics = values;
    }
    Datapoints.push(d);
  }
  Datapoints.sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
  return { Label, Datapoints };
}
