import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { TaskReport, TaskRunner } from "../../agent/protocol/task-runner.js";
import { carryOut, reconcileLoop, type ReconcileLoop } from "../reconcile-loop.js";
import { decideService } from "./service-decision.js";
import { isServiceTask, scheduledServiceArns } from "./service-store.js";
import type { ServiceScheduler } from "./services.js";
import type { LoadBalancerTargets } from "./load-balancer-targets.js";
import { noAlarms, type DeploymentAlarmStates } from "./deployment-alarms.js";

/** The loop's tick decides for every ACTIVE and DRAINING service. */
export interface ServiceController extends ServiceScheduler, ReconcileLoop {
  /** A task report arrived: decide again soon if the task belongs to a service. */
  onTaskReport(report: TaskReport): void;
}

/**
 * The service scheduler (reconcile-loop.ts): every service is reconciled on an interval and soon
 * after anything that may change its decision (an API call, a report about one of its tasks).
 * Decisions run one at a time, one transaction each, and only then ask the runner to launch and
 * stop tasks, so a task is always stored before its first report arrives.
 */
export function createServiceController({ db, clock, runner, log, loadBalancers, alarms = noAlarms, intervalMs = 1000 }: {
  db: Db; clock: Clock; runner: TaskRunner; log: Logger; loadBalancers: LoadBalancerTargets; alarms?: DeploymentAlarmStates; intervalMs?: number;
}): ServiceController {
  const loop = reconcileLoop(() => {
    for (const arn of scheduledServiceArns(db)) {
      try {
        carryOut(runner, decideService(db, clock, log, arn, loadBalancers, alarms));
      } catch (err) {
        log.error({ err, service: arn }, "service scheduler decision failed");
      }
    }
  }, intervalMs);
  return {
    ...loop,
    onTaskReport: (report) => {
      if (isServiceTask(db, report.taskArn)) loop.poke();
    },
  };
}
