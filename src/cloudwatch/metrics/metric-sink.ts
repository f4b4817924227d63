import type { Scope } from "../../core/arn.js";

/** One measurement, as PutMetricData takes it (a single value; statistic sets go through the API). */
export interface MetricSample {
  namespace: string;
  metricName: string;
  /** Order does not matter: a metric is its namespace, name and the set of its dimensions. */
  dimensions: Array<{ name: string; value: string }>;
  timestamp: Date;
  value: number;
  /** Many measurements at once (SQS's SentMessageSize of every message in a period); `value` is then ignored. */
  statistics?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  unit?: string;
  /** 1 for high resolution, 60 (the default) for standard. */
  storageResolution?: 1 | 60;
}

/**
 * Where Berth's own measurements go (ECS CPU and memory from the containers, ELB request counts
 * from the data plane, ...): the same store PutMetricData writes, so they read back through
 * GetMetricData, GetMetricStatistics, ListMetrics and the alarms like any user's metric.
 */
export interface MetricSink {
  put(scope: Scope, samples: MetricSample[]): void;
}
