import type { MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { TimeSeries } from "./math/evaluate.js";

/**
 * A result's label: the query's Label with its dynamic parts filled in (${AVG}, ${MAX}, ${MIN},
 * ${SUM}, ${FIRST}, ${LAST}, ${LABEL}, ${PROP('MetricName')} and the other PROPs), or by default
 * the metric's name (MetricStat) or the query's Id (expression).
 */
export function dynamicLabel(q: MetricDataQuery, s: TimeSeries): string {
  const fallback = q.MetricStat?.Metric?.MetricName ?? q.Id!;
  if (q.Label === undefined) return fallback;
  const values = s.values;
  const reduce = (f: (v: number[]) => number) => (values.length ? String(f(values)) : "");
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  return q.Label.replace(/\$\{([A-Z]+)(?:\('([^']*)'\))?\}/g, (whole, name: string, arg?: string) => {
    switch (name) {
      case "AVG": return reduce((v) => sum(v) / v.length);
      case "MAX": return reduce((v) => Math.max(...v));
      case "MIN": return reduce((v) => Math.min(...v));
      case "SUM": return reduce(sum);
      // Oldest and newest values of the series.
      case "FIRST": return reduce((v) => v[0]!);
      case "LAST": return reduce((v) => v[v.length - 1]!);
      case "LABEL": return fallback;
      case "PROP": return prop(q, arg ?? "") ?? whole;
    }
    return whole;
  });
}

function prop(q: MetricDataQuery, name: string): string | undefined {
  const stat = q.MetricStat;
  if (!stat) return undefined;
  if (name === "MetricName") return stat.Metric?.MetricName;
  if (name === "Namespace") return stat.Metric?.Namespace;
  if (name === "Period") return String(stat.Period);
  if (name === "Stat") return stat.Stat;
  if (name.startsWith("Dim.")) return stat.Metric?.Dimensions?.find((d) => d.Name === name.slice(4))?.Value;
  return undefined;
}
