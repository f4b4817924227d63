import type { AnomalyDetector, AnomalyDetectorConfiguration, Dimension, MetricDataQuery, SingleMetricAnomalyDetector } from "@aws-sdk/client-cloudwatch";
import { invalidCombination, invalidValue, missingParameter } from "../errors.js";
import { isValidPeriod } from "../metrics/retention.js";
import { isTimeZone } from "./anomaly-band.js";
import type { DetectorType } from "./anomaly-detector-store.js";

/** PutAnomalyDetector's and DeleteAnomalyDetector's ways of naming a model. */
export interface DetectorIdentity {
  SingleMetricAnomalyDetector?: SingleMetricAnomalyDetector;
  MetricMathAnomalyDetector?: { MetricDataQueries?: MetricDataQuery[] };
  Namespace?: string;
  MetricName?: string;
  Dimensions?: Dimension[];
  Stat?: string;
}

export interface Identified {
  key: string;
  type: DetectorType;
  /** The identity in DescribeAnomalyDetectors' shape. */
  detector: AnomalyDetector;
}

const ID = /^[a-z][a-zA-Z0-9_]*$/;

/**
 * The model a request names: a single metric (SingleMetricAnomalyDetector, or the deprecated
 * top-level Namespace, MetricName, Dimensions and Stat) or metric math, exactly one of them.
 */
export function identify(input: DetectorIdentity): Identified {
  const legacy = input.Namespace !== undefined || input.MetricName !== undefined || input.Dimensions !== undefined || input.Stat !== undefined;
  const kinds = [legacy, input.SingleMetricAnomalyDetector !== undefined, input.MetricMathAnomalyDetector !== undefined].filter(Boolean).length;
  if (kinds > 1) {
    throw invalidCombination("Only one of SingleMetricAnomalyDetector, MetricMathAnomalyDetector or the deprecated Namespace, MetricName, Dimensions and Stat parameters may be specified.");
  }
  if (kinds === 0) throw missingParameter("The parameter SingleMetricAnomalyDetector or MetricMathAnomalyDetector is required.");
  if (input.MetricMathAnomalyDetector) return mathIdentity(input.MetricMathAnomalyDetector.MetricDataQueries);
  const single = input.SingleMetricAnomalyDetector ?? { Namespace: input.Namespace, MetricName: input.MetricName, Dimensions: input.Dimensions, Stat: input.Stat };
  const where = input.SingleMetricAnomalyDetector ? "SingleMetricAnomalyDetector." : "";
  for (const k of ["Namespace", "MetricName", "Stat"] as const) {
    if (single[k] === undefined) throw missingParameter(`The parameter ${where}${k} is required.`);
  }
  const names = new Set<string>();
  for (const d of single.Dimensions ?? []) {
    if (names.has(d.Name!)) throw invalidValue(`No two dimensions may have the same name: ${d.Name}`);
    names.add(d.Name!);
  }
  const s: SingleMetricAnomalyDetector = {
    ...(single.AccountId !== undefined ? { AccountId: single.AccountId } : {}),
    Namespace: single.Namespace, MetricName: single.MetricName, Dimensions: single.Dimensions ?? [], Stat: single.Stat,
  };
  return {
    key: singleMetricKey(s),
    type: "SINGLE_METRIC",
    // DescribeAnomalyDetectors still fills the deprecated top-level members of a single-metric detector.
    detector: { Namespace: s.Namespace, MetricName: s.MetricName, Dimensions: s.Dimensions, Stat: s.Stat, SingleMetricAnomalyDetector: s },
  };
}

/** A single-metric model's key: its metric (dimensions in name order) and statistic. */
export function singleMetricKey(s: SingleMetricAnomalyDetector): string {
  const dims = [...(s.Dimensions ?? [])].sort((a, b) => (a.Name! < b.Name! ? -1 : a.Name! > b.Name! ? 1 : 0)).map((d) => [d.Name, d.Value]);
  return JSON.stringify(["single", s.AccountId ?? null, s.Namespace, s.MetricName, dims, s.Stat]);
}

/** A metric math model's key: its queries (Id, expression or metric, statistic, period, ReturnData), in order. */
const mathKey = (queries: MetricDataQuery[]) =>
  JSON.stringify(["math", queries.map((q) => [q.Id, q.Expression ?? null, q.MetricStat ? singleMetricKey({ ...q.MetricStat.Metric, Stat: q.MetricStat.Stat }) : null, q.MetricStat?.Period ?? q.Period ?? null, q.ReturnData !== false])]);

function mathIdentity(queries: MetricDataQuery[] | undefined): Identified {
  if (!queries || queries.length === 0) throw missingParameter("The parameter MetricMathAnomalyDetector.MetricDataQueries is required.");
  const ids = new Set<string>();
  queries.forEach((q, i) => {
    const name = `MetricMathAnomalyDetector.MetricDataQueries.member.${i + 1}`;
    if (!ID.test(q.Id ?? "")) throw invalidValue(`The value ${q.Id} for parameter ${name}.Id is invalid. The Id must start with a lowercase letter and contain only letters, numbers and underscores.`);
    if (ids.has(q.Id!)) throw invalidValue(`The value ${q.Id} for parameter ${name}.Id is not unique.`);
    ids.add(q.Id!);
    if ((q.MetricStat === undefined) === (q.Expression === undefined)) throw invalidValue(`The parameter ${name} must contain exactly one of MetricStat and Expression.`);
    if (q.MetricStat && !isValidPeriod(q.MetricStat.Period!)) throw invalidValue(`The value ${q.MetricStat.Period} for parameter ${name}.MetricStat.Period is not supported.`);
  });
  const returned = queries.filter((q) => q.ReturnData !== false);
  if (returned.length !== 1) throw invalidValue("Exactly one element of MetricMathAnomalyDetector.MetricDataQueries must have ReturnData set to true.");
  if (returned[0]!.Expression === undefined) throw invalidValue("The MetricDataQuery that returns data in a MetricMathAnomalyDetector must be an expression.");
  const normalized = queries.map((q) => ({ ...q, ReturnData: q.ReturnData !== false }));
  return { key: mathKey(queries), type: "METRIC_MATH", detector: { MetricMathAnomalyDetector: { MetricDataQueries: normalized } } };
}

/** Configuration: ranges with StartTime before EndTime, and a tz database time zone. */
export function checkConfiguration(c: AnomalyDetectorConfiguration | undefined): AnomalyDetectorConfiguration | undefined {
  if (c === undefined) return undefined;
  c.ExcludedTimeRanges?.forEach((r, i) => {
    if (r.StartTime!.getTime() >= r.EndTime!.getTime()) {
      throw invalidValue(`The value for parameter Configuration.ExcludedTimeRanges.member.${i + 1} is invalid: StartTime must be before EndTime.`);
    }
  });
  if (c.MetricTimezone !== undefined && !isTimeZone(c.MetricTimezone)) {
    throw invalidValue(`The value ${c.MetricTimezone} for parameter Configuration.MetricTimezone is not a valid time zone.`);
  }
  return { ExcludedTimeRanges: c.ExcludedTimeRanges ?? [], ...(c.MetricTimezone !== undefined ? { MetricTimezone: c.MetricTimezone } : {}) };
}
