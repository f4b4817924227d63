import type { ListMetricsInput, ListMetricsOutput } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import { invalidValue } from "../errors.js";
import type { SeriesStore } from "./series-store.js";

/** "Up to 500 results are returned for any one call." */
const PAGE = 500;
/** ListMetrics shows metrics that had data in the past two weeks. */
const LISTED_MS = 14 * 24 * 3600 * 1000;
/** RecentlyActive's one value, PT3H: data in the past three hours. */
const RECENT_MS = 3 * 3600 * 1000;

export function listMetrics(store: SeriesStore, scope: Scope, input: ListMetricsInput, now: Date): ListMetricsOutput {
  if (input.RecentlyActive !== undefined && input.RecentlyActive !== "PT3H") {
    throw invalidValue(`The value ${input.RecentlyActive} for parameter RecentlyActive is invalid.`);
  }
  const since = now.getTime() - (input.RecentlyActive ? RECENT_MS : LISTED_MS);
  const filters = input.Dimensions ?? [];
  const matching = store.list(scope, { namespace: input.Namespace, metricName: input.MetricName, since })
    // A filter with a Value matches that dimension's value; one with only a Name, any value.
    .filter((s) => filters.every((f) => s.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value))));
  const start = input.NextToken === undefined ? 0 : offsetOf(input.NextToken);
  const page = matching.slice(start, start + PAGE);
  const end = start + page.length;
  return {
    Metrics: page.map((s) => ({ Namespace: s.namespace, MetricName: s.metricName, Dimensions: s.dimensions })),
    NextToken: end < matching.length ? Buffer.from(`cw-list:${end}`).toString("base64url") : undefined,
  };
}

function offsetOf(token: string): number {
  const decoded = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, "base64url").toString("utf8") : "";
  const m = /^cw-list:(\d{1,9})$/.exec(decoded);
  if (!m) throw invalidValue("The value for parameter NextToken is invalid.");
  return Number(m[1]);
}
