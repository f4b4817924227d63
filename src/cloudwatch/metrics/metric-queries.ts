import type { GetMetricDataInput, GetMetricDataOutput, GetMetricStatisticsInput, GetMetricStatisticsOutput } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";

/**
 * Reading metrics inside Berth with CloudWatch's own semantics (periods, statistics, metric
 * math): the alarm evaluator and Application Auto Scaling read through this, exactly what the
 * API answers for the same input.
 */
export interface MetricQueries {
  getMetricData(scope: Scope, input: GetMetricDataInput): GetMetricDataOutput;
  getMetricStatistics(scope: Scope, input: GetMetricStatisticsInput): GetMetricStatisticsOutput;
}
