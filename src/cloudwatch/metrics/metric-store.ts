import type { Logger } from "pino";
import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Scope } from "../../core/arn.js";
import type { MetricQueries } from "./metric-queries.js";
import type { MetricSample, MetricSink } from "./metric-sink.js";
import { SeriesStore } from "./series-store.js";
import { statisticSetAggregate, valueAggregate } from "./aggregate.js";
import { anyWholeSecond, getMetricStatistics } from "./get-metric-statistics.js";
import { getMetricData } from "./get-metric-data.js";
import { AnomalyModels } from "../anomaly/anomaly-models.js";

/** Everything the metrics API and Berth's producers and readers use: one store behind all. */
export interface MetricStore extends MetricSink, MetricQueries {
  series: SeriesStore;
  clock: Clock;
  /** Stops the maintenance timer. */
  close(): void;
}

/** How often aged data rolls up into coarser tiers (and the oldest is dropped). */
const MAINTENANCE_MS = 5 * 60_000;

export function createMetricStore({ db, clock, log, maintenanceMs = MAINTENANCE_MS, periodScale = 1 }: {
  db: Db; clock: Clock; log?: Pick<Logger, "error">; maintenanceMs?: number;
  /** metricPeriodScale: above 1, recent data stays at 1 s and Berth's readers may ask for shortened periods. */
  periodScale?: number;
}): MetricStore {
  const series = new SeriesStore(db, clock, periodScale > 1);
  const models = new AnomalyModels(db);
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
        timestamp: s.timestamp.getTime(), unit: s.unit ?? "None", storageResolution: s.storageResolution ?? 60, agg: s.statistics ? statisticSetAggregate(s.statistics) : valueAggregate(s.value),
      })));
    },
    // Berth's own readers: their periods were checked when their alarms were put (see anyWholeSecond).
    getMetricStatistics: (scope, input) => getMetricStatistics(series, scope, input, clock.now(), anyWholeSecond),
    getMetricData: (scope, input) => getMetricData(series, scope, input, clock.now(), anyWholeSecond, models),
    close: () => clearInterval(timer),
  };
}
