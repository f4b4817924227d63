import type { MessageData, MetricDataQuery, MetricStat } from "@aws-sdk/client-cloudwatch";
import { invalidValue } from "../../errors.js";

/** A query's answer: values at period starts (epoch seconds, ascending). */
export interface TimeSeries {
  timestamps: number[];
  values: number[];
  period: number;
  start: number;
  metric?: MetricStat;
}

export function evaluateExpressions(queries: MetricDataQuery[], _series: Map<string, TimeSeries>, _range: { start: number; end: number; period: number }): Map<string, MessageData[]> {
  if (queries.some((q) => q.Expression !== undefined)) throw invalidValue("Metric math is not supported yet.");
  return new Map();
}
