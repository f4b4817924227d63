import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { Scope } from "../../core/arn.js";
import type { TaskReport, TaskRunner } from "../../agent/protocol/task-runner.js";
import { carryOut, reconcileLoop, type DecisionEffects, type ReconcileLoop } from "../reconcile-loop.js";
import { findCluster, clusterNameOf } from "../clusters/cluster-store.js";
import { createTasks } from "../tasks/task-creation.js";
import { findTask, saveTask } from "../tasks/task-store.js";
import { getTags } from "../tags.js";
import { resolveDaemonTaskDefinition, runnableDefinition } from "./daemon-task-definitions.js";
import { daemonInstances } from "./daemon-instances.js";
import {
  allDaemons, deploymentsOf, findDeployment, findRevision, forgetDaemon, lastStopOn, liveDaemonTasks, pruneDaemonTasks, recordDaemonTask, saveDeployment, type LiveDaemonTask, type StoredDaemon,
} from "./daemon-store.js";
import { noAlarms, type DeploymentAlarmStates } from "../services/deployment-alarms.js";
import { bakeState, finish, watchDeployment } from "./daemon-rollout.js";

/** The loop's tick reconciles every daemon. */
export interface DaemonController extends ReconcileLoop {
  onTaskReport(report: TaskReport): void;
}

/** How long after one of its tasks stopped a daemon's instance waits for the next. */
const RESTART_DELAY_MS = 10_000;

/**
 * One reconciliation of one daemon, in one transaction. An ACTIVE daemon runs one task of its
 * current revision on each of its instances: a task of an older revision (an update, drainPercent
 * of the instances at a time) or on an instance that left is stopped, an instance without a
 * current task gets one — the old task is stopped first, so an update replaces in place as ECS
 * drains and refills an instance. Its
 * deployment is watched first (daemon-rollout.ts: circuit breaker and alarms, which may roll the
 * daemon back to an earlier revision), waits out the bake time after each step, and succeeds
 * once every instance runs the current revision, nothing older is left and the last step has
 * baked; a rollback succeeds once every instance runs the revision it went back to.
 * A deleted daemon stops its tasks and is forgotten once they have all stopped.
 */
function reconcile(db: Db, clock: Clock, alarms: DeploymentAlarmStates, scope: Scope, stored: StoredDaemon): DecisionEffects {
  const decision: DecisionEffects = { launches: [], stops: [] };
  const stop = (taskArn: string, reason: string) => {
    const task = findTask(db, taskArn);
    if (!task || task.desiredStatus === "STOPPED") return;
    saveTask(db, scope, { ...task, desiredStatus: "STOPPED", stopCode: "ServiceSchedulerInitiated", stoppedReason: reason, version: (task.version ?? 0) + 1 });
    decision.stops.push({ taskArn, reason });
  };
  pruneDaemonTasks(db, stored.daemonArn);
  const live = liveDaemonTasks(db, stored.daemonArn);

  if (stored.status === "DELETE_IN_PROGRESS") {
    for (const t of live) stop(t.taskArn, `Daemon ${stored.daemonName} was deleted.`);
    const deletion = deploymentsOf(db, stored.daemonArn)[0];
    if (live.length === 0) {
      if (deletion?.status === "IN_PROGRESS") finish(db, scope, clock.now(), deletion, "SUCCESSFUL");
      forgetDaemon(db, stored.daemonArn);
    }
    return decision;
  }
  const daemon = watchDeployment(db, scope, clock.now(), alarms, stored, findDeployment(db, stored.deploymentArn));
  let deployment = findDeployment(db, daemon.deploymentArn);

  const cluster = findCluster(db, scope, clusterNameOf(scope, daemon.clusterArn));
  const revision = findRevision(db, daemon.revisionArn);
  if (!cluster || cluster.status !== "ACTIVE" || !revision) return decision;
  const instances = daemonInstances(db, scope, cluster.clusterArn!, revision.capacityProviderArns);
  const wanted = new Set(instances.map((i) => i.instance.containerInstanceArn!));
  // A DRAINING instance keeps its daemon task (its other tasks still need the daemon) but gets no new one.
  const staying = new Set(daemonInstances(db, scope, cluster.clusterArn!, revision.capacityProviderArns, ["ACTIVE", "DRAINING"]).map((i) => i.instance.containerInstanceArn!));

  const def = resolveDaemonTaskDefinition(db, scope, revision.daemonTaskDefinitionArn!);
  // A new task is done with once RUNNING and, if its containers have health checks, HEALTHY:
  // only then does the update move on, bake or complete.
  const checked = (def?.containerDefinitions ?? []).some((c) => c.healthCheck);
  const ready = (t: LiveDaemonTask) => t.lastStatus === "RUNNING" && (!checked || t.healthStatus === "HEALTHY");
  const running = live.filter((t) => t.desiredStatus !== "STOPPED");
  const current = running.filter((t) => t.revisionArn === revision.daemonRevisionArn && wanted.has(t.instanceArn));
  const covered = new Set(current.map((t) => t.instanceArn));
  // An update drains at most drainPercent of the instances at a time (at least one): an instance
  // is in flight from when its old task is told to stop until its new one is ready, so a new
  // revision whose tasks keep failing holds the update at its first instances.
  const batch = Math.max(1, Math.ceil((instances.length * (daemon.deploymentConfiguration?.drainPercent ?? 25)) / 100));
  const runsCurrent = new Set(current.filter(ready).map((t) => t.instanceArn));
  const runsOld = new Set(running.filter((t) => t.revisionArn !== revision.daemonRevisionArn).map((t) => t.instanceArn));
  let inFlight = [...wanted].filter((arn) => !runsCurrent.has(arn) && !runsOld.has(arn)).length;
  const bake = bakeState(deployment, inFlight, runsCurrent.size, clock.now().getTime());
  if (deployment && bake.bakeStartedAt !== deployment.bakeStartedAt) {
    deployment = { ...deployment, bakeStartedAt: bake.bakeStartedAt };
    saveDeployment(db, scope, deployment);
  }
  const stoppingCurrent = new Set(live.filter((t) => t.desiredStatus === "STOPPED" && t.revisionArn === revision.daemonRevisionArn).map((t) => t.instanceArn));
  const keptOld = new Set<string>();
  for (const t of running) {
    if (!staying.has(t.instanceArn)) stop(t.taskArn, `Container instance left daemon ${daemon.daemonName}.`);
    else if (!wanted.has(t.instanceArn)) continue;
    else if (t.revisionArn !== revision.daemonRevisionArn) {
      if (inFlight < batch && !bake.holding) {
        stop(t.taskArn, `Daemon ${daemon.daemonName} deployment replaced the task.`);
        inFlight++;
      } else keptOld.add(t.instanceArn);
    }
  }

  if (def) {
    const taskDefinition = runnableDefinition(def);
    const tags = revision.propagateTags === "DAEMON" ? getTags(db, daemon.daemonArn) : [];
    for (const arn of wanted) {
      if (covered.has(arn) || keptOld.has(arn) || stoppingCurrent.has(arn)) continue;
      // A task of this revision that stopped (on its own, or StopTask) is replaced once it has
      // stopped and a moment later, so a daemon whose task keeps failing does not start a
      // container every round.
      const stoppedAt = lastStopOn(db, daemon.daemonArn, revision.daemonRevisionArn!, arn);
      if (stoppedAt !== undefined && clock.now().getTime() - stoppedAt < RESTART_DELAY_MS) continue;
      const created = createTasks(db, {
        scope, cluster, clusterName: cluster.clusterName!, taskDefinition, launchType: "EC2", overrides: {},
        startedBy: daemon.deploymentArn.split("/").pop(), group: `daemon:${daemon.daemonName}`,
        enableExecuteCommand: revision.enableExecuteCommand ?? false, tags, now: clock.now(), count: 1,
        placement: { kind: "instances", instanceArns: [arn] },
      });
      // An instance without room now is tried again on the next round.
      for (const task of created.tasks) {
        recordDaemonTask(db, daemon.daemonArn, { taskArn: task.taskArn!, revisionArn: revision.daemonRevisionArn!, instanceArn: arn });
        decision.launches.push({ task, taskDefinition });
      }
    }
  }

  const settled = [...wanted].every((arn) => runsCurrent.has(arn)) && live.every((t) => t.revisionArn === revision.daemonRevisionArn || !wanted.has(t.instanceArn));
  // `deployment` is as stored: nothing since it was read (or its bake time saved) changes it.
  if (settled && deployment) {
    if (deployment.status === "IN_PROGRESS" && deployment.targetRevisionArn === revision.daemonRevisionArn && !bake.holding) finish(db, scope, clock.now(), deployment, "SUCCESSFUL");
    if (deployment.status === "ROLLBACK_IN_PROGRESS" && deployment.rollback?.rollbackTargetDaemonRevisionArn === revision.daemonRevisionArn) finish(db, scope, clock.now(), deployment, "ROLLBACK_SUCCESSFUL");
  }
  return decision;
}

/**
 * The daemon scheduler (reconcile-loop.ts): every daemon is reconciled on an interval and soon
 * after an API call or a report about one of its tasks, one transaction per daemon, and only then
 * are tasks launched and stopped.
 */
export function createDaemonController({ db, clock, runner, log, alarms = noAlarms, intervalMs = 1000 }: {
  db: Db; clock: Clock; runner: TaskRunner; log: Logger; alarms?: DeploymentAlarmStates; intervalMs?: number;
}): DaemonController {
  const isDaemonTask = db.prepare("SELECT 1 FROM daemon_tasks WHERE task_arn = ?");
  const loop = reconcileLoop(() => {
    for (const { scope, daemon } of allDaemons(db)) {
      try {
        carryOut(runner, db.transaction(() => reconcile(db, clock, alarms, scope, daemon))());
      } catch (err) {
        log.error({ err, daemon: daemon.daemonArn }, "daemon scheduler decision failed");
      }
    }
  }, intervalMs);
  return {
    ...loop,
    onTaskReport: (report) => {
      if (isDaemonTask.get(report.taskArn)) loop.poke();
    },
  };
}
