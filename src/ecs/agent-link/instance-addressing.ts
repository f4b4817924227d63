import type { Db } from "../../store/database.js";
import type { LaunchSpec, TaskRunner } from "../../agent/protocol/task-runner.js";
import { findInstance } from "../instances/instance-store.js";

/**
 * Tells the runner, for every task it launches or recovers, the host address of the container
 * instance the task was placed on, so that bridge ports are published there (two instances can
 * then both publish host port 80). Tasks without an instance (Fargate) are passed on unchanged.
 */
export function withInstanceAddresses(runner: TaskRunner, db: Db): TaskRunner {
  const addressed = (spec: LaunchSpec): LaunchSpec => {
    const arn = spec.task.containerInstanceArn;
    if (spec.hostIp !== undefined || !arn) return spec;
    const instance = findInstance(db, arn);
    return instance ? { ...spec, hostIp: instance.hostIp } : spec;
  };
  return {
    launch: (spec) => runner.launch(addressed(spec)),
    stop: (taskArn, why) => runner.stop(taskArn, why),
    logs: (taskArn) => runner.logs(taskArn),
    onReport: (listener) => runner.onReport(listener),
    recover: (specs, retained) => runner.recover(specs.map(addressed), retained),
    cleanup: (taskArn) => runner.cleanup(taskArn),
    reset: () => runner.reset(),
    close: () => runner.close(),
  };
}
