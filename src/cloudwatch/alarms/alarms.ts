import type { Handler } from "../../aws/service.js";
import type { Clock } from "../../core/clock.js";
import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import type { Db } from "../../store/database.js";
import type { MetricQueries } from "../metrics/metric-queries.js";
import type { AlarmActionTarget } from "./alarm-actions.js";
import { AlarmEvaluator } from "./alarm-evaluator.js";
import { alarmHandlers } from "./alarm-handlers.js";
import { deleteAlarms } from "./alarm-handlers.js";
import { AlarmHistory } from "./alarm-history.js";
import { AlarmStore } from "./alarm-store.js";
import { AlarmTags } from "./alarm-tags.js";
import { AlarmTransitions } from "./alarm-transitions.js";
import type { ManagedAlarms } from "./managed-alarms.js";
import { putMetricAlarm } from "./put-alarms.js";

export interface Alarms {
  /** The alarm operations, for the CloudWatch service: `...alarms.handlers`. */
  handlers: Record<string, Handler>;
  /** For Application Auto Scaling's target tracking alarms: PutMetricAlarm and DeleteAlarms' rules. */
  managed: ManagedAlarms;
  /** Registers a kind of action target (Application Auto Scaling policies, SNS topics, ...). */
  addActionTarget(target: AlarmActionTarget): void;
  /** Evaluates every metric alarm that is due now (the timer calls it; tests call it). */
  evaluate(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/** CloudWatch alarms: their API, their storage and their evaluation on a timer. */
export function createAlarms({ db, clock, config, queries, log }: { db: Db; clock: Clock; config: Pick<Config, "metricPeriodScale">; queries: MetricQueries; log: Logger }): Alarms {
  const store = new AlarmStore(db);
  const history = new AlarmHistory(db, clock);
  const tags = new AlarmTags(db);
  const transitions = new AlarmTransitions({ db, clock, log, store, history });
  const evaluator = new AlarmEvaluator({ store, transitions, queries, clock, log, periodScale: config.metricPeriodScale });
  const deps = { db, clock, store, history, tags };
  return {
    handlers: alarmHandlers({ ...deps, transitions }),
    managed: {
      put: (scope, input) => putMetricAlarm(deps, scope, input),
      delete: (scope, names) => deleteAlarms(deps, scope, names),
    },
    addActionTarget: (target) => transitions.addTarget(target),
    evaluate: () => evaluator.tick(),
    start: () => evaluator.start(),
    stop: () => evaluator.stop(),
  };
}
