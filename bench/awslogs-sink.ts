import type { Db } from "../src/store/database.js";
import type { LogSink } from "../src/logs/log-sink.js";
import { createLogStore } from "../src/logs/log-store.js";
import { systemClock } from "../src/core/clock.js";

/** The LogSink the awslogs bench stores into: the CloudWatch Logs store itself, on the bench's database; `count` reads back what it holds. */
export function benchSink(db: Db): { sink: LogSink; count: () => number; close: () => void } {
  const store = createLogStore({ db, clock: systemClock });
  return {
    sink: store,
    count: () => (db.prepare("SELECT count(*) AS n FROM log_events").get() as { n: number }).n,
    close: () => {},
  };
}
