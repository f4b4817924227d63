import type { MetricDatum, PutMetricDataInput } from "@aws-sdk/client-cloudwatch";
import { invalidCombination, invalidValue, missingParameter } from "../errors.js";
import { statisticSetAggregate, valueAggregate, type Aggregate } from "./aggregate.js";
import type { MetricPoint } from "./series-store.js";

/** "Values must be in the range of -2^360 to 2^360." */
const LIMIT = 2 ** 360;
const MAX_METRICS = 1000;
const MAX_VALUES = 150;
const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;
const TWO_HOURS_MS = 2 * 3600 * 1000;

/**
 * PutMetricData's input as points to store, checked as CloudWatch checks it. Every datum is
 * checked before anything is written, so a rejected call changes nothing.
 */
export function pointsOf(input: PutMetricDataInput, now: Date): MetricPoint[] {
  const namespace = input.Namespace!;
  // AWS/ namespaces are AWS's own metrics; Berth's producers write them through the MetricSink.
  if (namespace.startsWith("AWS/")) throw invalidValue(`The value ${namespace} for parameter Namespace is invalid.`);
  const data: Array<{ datum: MetricDatum; name: string }> = [];
  (input.MetricData ?? []).forEach((datum, i) => data.push({ datum, name: `MetricData.member.${i + 1}` }));
  (input.EntityMetricData ?? []).forEach((entity, i) =>
    (entity.MetricData ?? []).forEach((datum, j) => data.push({ datum, name: `EntityMetricData.member.${i + 1}.MetricData.member.${j + 1}` })));
  if (input.MetricData === undefined && input.EntityMetricData === undefined) throw missingParameter("The parameter MetricData is required.");
  if (data.length > MAX_METRICS) throw invalidValue(`The collection MetricData must not have a size greater than ${MAX_METRICS}.`);
  const points: MetricPoint[] = [];
  for (const { datum, name } of data) {
    const timestamp = checkTimestamp(datum.Timestamp, name, now);
    const storageResolution = datum.StorageResolution ?? 60;
    if (storageResolution !== 1 && storageResolution !== 60) {
      throw invalidValue(`The value ${storageResolution} for parameter ${name}.StorageResolution is invalid. Valid values are 1 and 60.`);
    }
    const dimensions = (datum.Dimensions ?? []).map((d) => ({ Name: d.Name!, Value: d.Value! }));
    const names = new Set(dimensions.map((d) => d.Name));
    if (names.size !== dimensions.length) throw invalidValue(`The collection ${name}.Dimensions must not contain duplicate dimension names.`);
    const base = { namespace, metricName: datum.MetricName!, dimensions, timestamp, unit: datum.Unit ?? "None", storageResolution };
    for (const agg of aggregatesOf(datum, name)) points.push({ ...base, agg });
  }
  return points;
}

function checkTimestamp(timestamp: Date | undefined, name: string, now: Date): number {
  if (timestamp === undefined) return now.getTime();
  const t = timestamp.getTime();
  if (t < now.getTime() - TWO_WEEKS_MS) throw invalidValue(`The parameter ${name}.Timestamp must specify a time within the past two weeks.`);
  if (t > now.getTime() + TWO_HOURS_MS) throw invalidValue(`The parameter ${name}.Timestamp must specify a time no more than two hours in the future.`);
  return t;
}

function checkValue(value: number, parameter: string): number {
  if (!Number.isFinite(value) || Math.abs(value) > LIMIT) throw invalidValue(`The value ${value} for parameter ${parameter} is invalid.`);
  return value;
}

/** A datum's values: exactly one of Value, Values (with Counts) and StatisticValues. */
function aggregatesOf(datum: MetricDatum, name: string): Aggregate[] {
  const given = (["Value", "Values", "StatisticValues"] as const).filter((k) => datum[k] !== undefined);
  if (given.length > 1) {
    throw invalidCombination(`The parameters ${name}.${given[0]} and ${name}.${given[1]} are mutually exclusive and you have specified both.`);
  }
  if (datum.Counts !== undefined && datum.Values === undefined) throw invalidCombination(`The parameter ${name}.Counts can only be specified with ${name}.Values.`);
  if (datum.Value !== undefined) return [valueAggregate(checkValue(datum.Value, `${name}.Value`))];
  if (datum.StatisticValues !== undefined) {
    const s = datum.StatisticValues as { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
    for (const k of ["SampleCount", "Sum", "Minimum", "Maximum"] as const) checkValue(s[k], `${name}.StatisticValues.${k}`);
    if (s.SampleCount <= 0) throw invalidValue(`The value ${s.SampleCount} for parameter ${name}.StatisticValues.SampleCount is invalid.`);
    if (s.Minimum > s.Maximum) throw invalidValue(`The parameter ${name}.StatisticValues.Minimum must be less than or equal to ${name}.StatisticValues.Maximum.`);
    return [statisticSetAggregate(s)];
  }
  if (datum.Values !== undefined) {
    const values = datum.Values;
    if (values.length > MAX_VALUES) throw invalidValue(`The collection ${name}.Values must not have a size greater than ${MAX_VALUES}.`);
    const counts = datum.Counts;
    if (counts !== undefined && counts.length !== values.length) {
      throw invalidValue(`The parameters ${name}.Values and ${name}.Counts must be of the same size.`);
    }
    return values.map((v, i) => {
      const count = counts?.[i] ?? 1;
      if (!Number.isFinite(count) || count < 0) throw invalidValue(`The value ${count} for parameter ${name}.Counts.member.${i + 1} is invalid.`);
      return valueAggregate(checkValue(v, `${name}.Values.member.${i + 1}`), count);
    }).filter((a) => a.count > 0);
  }
  throw missingParameter(`The parameter ${name}.Value is required.`);
}
