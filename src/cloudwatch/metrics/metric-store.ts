import type { Logger } from "pino";
import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Scope } from "../../core/arn.js";
import type { MetricQueries } from "./metric-queries.js";
import type { MetricSample, MetricSink } from "./metric-sink.js";
import { SeriesStore } from "./series-store.js";
import { valueAggregate } from "./aggregate.js";
import { getMetricStatistics } from "./get-metric-statistics.js";
import { getMetricData } from "./get-metric-data.js";

/** Everything the metrics API and Berth's producers and readers use: one store behind all. */
export interface MetricStore extends MetricSink, MetricQueries {
  series: SeriesStore;
  clock: Clock;
  /** Stops the maintenance timer. */
  close(): void;
}

/** How often aged data rolls up into coarser tiers (and the oldest is dropped). */
const MAINTENANCE_MS = 5 * 60_000;

export function createMetricStore({ db, clock, log, maintenanceMs = MAINTENANCE_MS }: { db: Db; clock: Clock; log?: Pick<Logger, "error">; maintenanceMs?: number }): MetricStore {
  const series = new SeriesStore(db, clock);
  const maintain = () => {
    try {
      series.maintain();
    } catch (err) {
      // A busy database or a full disk: the next pass tries again; the server keeps serving.
      log?.error({ err }, "metric rollup failed");
    }
  };
  maintain();
  const timer = maintenanceMs > 0 ? setInterval(maintain, maintenanceMs) : undefined;
  timer?.unref();
  return {
    series,
    clock,
    put(scope: Scope, samples: MetricSample[]) {
      series.write(scope, samples.map((s) => ({
        namespace: s.namespace, metricName: s.metricName, dimensions: s.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
        timestamp: s.timestamp.getTime(), unit: s.unit ?? "None", storageResolution: s.storageResolution ?? 60, agg: valueAggregate(s.value),
      })));
    },
    getMetricStatistics: (scope, input) => getMetricStatistics(series, scope, input, clock.now()),
    getMetricData: (scope, input) => getMetricData(series, scope, input, clock.now()),
    close: () => clearInterval(timer),
  };
}
