import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { MetricSink } from "../../cloudwatch/metrics/metric-sink.js";
import type { DataPlane, TrafficCounters } from "../../dataplane/data-plane.js";
import { elbMetricSamples } from "./elb-metric-samples.js";

export interface ElbMetricsOptions {
  dataPlane: DataPlane;
  sink: MetricSink;
  clock: Clock;
  log: Logger;
  /** How often the counters are read and published (config metricsIntervalSeconds). */
  intervalSeconds: number;
}

/**
 * Reads the data plane's traffic counters and target health every interval and puts what changed
 * into CloudWatch as ELB's metrics. A data plane that has not started (no load balancer yet)
 * answers with nothing, so this costs nothing until there is traffic to measure.
 */
export function startElbMetrics({ dataPlane, sink, clock, log, intervalSeconds }: ElbMetricsOptions): { stop(): Promise<void> } {
  let previous: TrafficCounters | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = async () => {
    const [counters, health] = await Promise.all([dataPlane.trafficCounters(), dataPlane.targetHealth()]);
    if (stopped) return;
    for (const { scope, samples } of elbMetricSamples(previous, counters, health, clock.now())) sink.put(scope, samples);
    previous = counters;
  };
  const timer = setInterval(() => {
    running = running.then(tick).catch((err: unknown) => {
      if (!stopped) log.warn({ err: (err as Error).message }, "could not publish load balancer metrics");
    });
  }, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
