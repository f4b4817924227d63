import type { Clock } from "../core/clock.js";
import type { MetricSample, MetricSink } from "../cloudwatch/metrics/metric-sink.js";
import { countMessages } from "./message-counts.js";
import type { Queue } from "./queue-store.js";
import type { SqsInternal } from "./sqs-service.js";
import { newQueueStats } from "./queue-stats.js";

/**
 * A queue's AWS/SQS metrics, dimension QueueName, as AWS publishes them: the depths (visible,
 * in flight, delayed) and the age of the oldest message as they are now; the counters (sent,
 * received, deleted, empty receives) and SentMessageSize (a statistic set of the sizes) for the
 * interval since the last publication, which starts them again.
 */
export function sqsMetricSamples(q: Queue, now: number): MetricSample[] {
  const timestamp = new Date(now);
  const dimensions = [{ name: "QueueName", value: q.name }];
  const sample = (metricName: string, value: number, unit: string): MetricSample => ({ namespace: "AWS/SQS", metricName, dimensions, timestamp, value, unit });
  const { visible, notVisible, delayed } = countMessages(q, now);
  const oldest = q.messages.values().next().value;
  const s = q.stats;
  q.stats = newQueueStats();
  return [
    sample("ApproximateNumberOfMessagesVisible", visible, "Count"),
    sample("ApproximateNumberOfMessagesNotVisible", notVisible, "Count"),
    sample("ApproximateNumberOfMessagesDelayed", delayed, "Count"),
    sample("ApproximateAgeOfOldestMessage", oldest ? Math.max(0, Math.floor((now - oldest.sentAt) / 1000)) : 0, "Seconds"),
    sample("NumberOfMessagesSent", s.sent, "Count"),
    sample("NumberOfMessagesReceived", s.received, "Count"),
    sample("NumberOfMessagesDeleted", s.deleted, "Count"),
    sample("NumberOfEmptyReceives", s.emptyReceives, "Count"),
    ...(s.sent > 0 ? [{ ...sample("SentMessageSize", 0, "Bytes"), statistics: { SampleCount: s.sent, Sum: s.sentBytes, Minimum: s.sentMin, Maximum: s.sentMax } }] : []),
  ];
}

/** Publishes every queue's metrics into CloudWatch every interval (config metricsIntervalSeconds). */
export function startSqsMetrics({ sqs, sink, clock, intervalSeconds }: { sqs: SqsInternal; sink: MetricSink; clock: Clock; intervalSeconds: number }): { stop(): void } {
  const timer = setInterval(() => {
    const now = clock.now().getTime();
    for (const q of sqs.queues()) sink.put({ account: q.account, region: q.region }, sqsMetricSamples(q, now));
  }, intervalSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
