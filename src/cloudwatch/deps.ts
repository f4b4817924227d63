import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { MetricStore } from "./metrics/metric-store.js";

/** What the CloudWatch API needs from the composition root. */
export interface CloudWatchDeps {
  db: Db;
  clock: Clock;
  /** The one metric store: the API writes and reads it, and so do Berth's producers, alarms and scaling. */
  metrics: MetricStore;
}
