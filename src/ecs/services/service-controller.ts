import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { TaskReport, TaskRunner } from "../../agent/protocol/task-runner.js";
import { decideService } from "./service-decision.js";
import { isServiceTask, scheduledServiceArns } from "./service-store.js";
import type { ServiceScheduler } from "./services.js";
import type { LoadBalancerTargets } from "./load-balancer-targets.js";
import { noAlarms, type DeploymentAlarmStates } from "./deployment-alarms.js";

export interface ServiceController extends ServiceScheduler {
  /** Decides for every ACTIVE and DRAINING service now (synchronously). */
  tick(): void;
  /** A task report arrived: decide again soon if the task belongs to a service. */
  onTaskReport(report: TaskReport): void;
  start(): void;
  stop(): void;
}

/**
 * The service scheduler loop. Every service is reconciled on an interval and soon after anything
 * that may change its decision (an API call, a report about one of its tasks). Decisions run one
 * at a time, one transaction each, and only then ask the runner to launch and stop tasks, so a
 * task is always stored before its first report arrives. Everything the loop knows is in SQLite:
 * after a restart it simply carries on.
 */
export function createServiceController({ db, clock, runner, log, loadBalancers, alarms = noAlarms, intervalMs = 1000 }: {
  db: Db; clock: Clock; runner: TaskRunner; log: Logger; loadBalancers: LoadBalancerTargets; alarms?: DeploymentAlarmStates; intervalMs?: number;
}): ServiceController {
  let timer: NodeJS.Timeout | undefined;
  let scheduled: NodeJS.Immediate | undefined;
  let running = false;
  let again = false;
  let stopped = true;

  const tick = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      for (const arn of scheduledServiceArns(db)) {
        try {
          const { launches, stops } = decideService(db, clock, log, arn, loadBalancers, alarms);
          for (const s of stops) runner.stop(s.taskArn, { stopCode: "ServiceSchedulerInitiated", reason: s.reason });
          for (const l of launches) runner.launch({ task: { ...l.task, tags: undefined }, taskDefinition: l.taskDefinition });
        } catch (err) {
          log.error({ err, service: arn }, "service scheduler decision failed");
        }
      }
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      poke();
    }
  };

  // Coalesces bursts (a report per container) into one decision round.
  const poke = () => {
    if (stopped || scheduled) return;
    scheduled = setImmediate(() => {
      scheduled = undefined;
      tick();
    });
  };

  return {
    tick,
    poke,
    onTaskReport: (report) => {
      if (!stopped && isServiceTask(db, report.taskArn)) poke();
    },
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setInterval(tick, intervalMs);
      timer.unref();
      poke();
    },
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
    },
  };
}
