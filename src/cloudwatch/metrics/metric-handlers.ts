import type { GetMetricDataInput, GetMetricStatisticsInput, ListMetricsInput, PutMetricDataInput } from "@aws-sdk/client-cloudwatch";
import type { Handler } from "../../aws/service.js";
import type { CloudWatchDeps } from "../deps.js";
import { pointsOf } from "./put-metric-data.js";
import { listMetrics } from "./list-metrics.js";
import { getMetricStatistics } from "./get-metric-statistics.js";
import { getMetricData } from "./get-metric-data.js";
import { checkPeriod } from "./get-metric-statistics.js";
import { AnomalyModels } from "../anomaly/anomaly-models.js";

/** The metrics half of the CloudWatch API, over the one metric store. */
export function metricHandlers({ db, metrics }: CloudWatchDeps): Record<string, Handler> {
  const now = () => metrics.clock.now();
  const models = new AnomalyModels(db);
  return {
    PutMetricData: async (input: PutMetricDataInput, ctx) => {
      await metrics.series.writeSoon({ account: ctx.account, region: ctx.region }, pointsOf(input, now()));
      return {};
    },
    // The API's period rules (MetricQueries, Berth's own readers, takes shortened periods too).
    GetMetricStatistics: (input: GetMetricStatisticsInput, ctx) => getMetricStatistics(metrics.series, ctx, input, now()),
    GetMetricData: (input: GetMetricDataInput, ctx) => getMetricData(metrics.series, ctx, input, now(), checkPeriod, models),
    ListMetrics: (input: ListMetricsInput, ctx) => listMetrics(metrics.series, ctx, input, now()),
  };
}
