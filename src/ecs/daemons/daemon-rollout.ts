import type { DaemonDeploymentStatus } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import type { DeploymentAlarmStates } from "../services/deployment-alarms.js";
import { SELF_STOPPED } from "../services/deployment-rules.js";
import { rolloutReasons } from "../services/service-events.js";
import { deploymentsOf, failedTasksOf, findRevision, saveDaemon, saveDeployment, type StoredDaemon, type StoredDeployment } from "./daemon-store.js";

/**
 * What watches a daemon deployment while it rolls out: the circuit breaker (always on for
 * daemons: the model has no switch for it) and the CloudWatch alarms its configuration names.
 * Either failing rolls the daemon back to the revision of its last deployment that completed
 * (AWS: "Amazon ECS automatically rolls back to the previous daemon revision"); with none to go
 * back to, the deployment is STOPPED. The rollback is then watched in turn: the previous
 * revision failing as well makes it ROLLBACK_FAILED. Runs inside the daemon's reconcile
 * transaction, before the scheduler decides which tasks to run.
 */
export function watchDeployment(db: Db, scope: Scope, now: Date, alarms: DeploymentAlarmStates, daemon: StoredDaemon, deployment: StoredDeployment | undefined): StoredDaemon {
  if (!deployment || daemon.status !== "ACTIVE" || deployment.daemonDeploymentArn !== daemon.deploymentArn) return daemon;
  const breaker = deployment.circuitBreaker;
  const threshold = breaker?.threshold ?? 0;

  if (deployment.status === "ROLLBACK_IN_PROGRESS") {
    const back = deployment.rollback!;
    const failures = failedTasksOf(db, daemon.daemonArn, back.rollbackTargetDaemonRevisionArn!, back.startedAt!.getTime(), SELF_STOPPED);
    if (breaker?.status !== "DISABLED" && failures >= threshold) finish(db, scope, now, { ...deployment, statusReason: rolloutReasons.failed() }, "ROLLBACK_FAILED");
    return daemon;
  }
  if (deployment.status !== "IN_PROGRESS" || !deployment.targetRevisionArn) return daemon;

  const startedAt = deployment.startedAt!.getTime();
  const failures = breaker?.status === "MONITORING" ? failedTasksOf(db, daemon.daemonArn, deployment.targetRevisionArn, startedAt, SELF_STOPPED) : 0;
  const watched = deployment.alarms?.status === "MONITORING" ? deployment.alarms.alarmNames ?? [] : [];
  const triggered = watched.length ? alarms.inAlarm(scope, watched, deployment.startedAt!) : [];
  let next: StoredDeployment = breaker?.status === "MONITORING" && failures !== breaker.failureCount ? { ...deployment, circuitBreaker: { ...breaker, failureCount: failures } } : deployment;

  if (breaker?.status === "MONITORING" && failures >= threshold) {
    next = { ...next, statusReason: rolloutReasons.failed(), circuitBreaker: { ...next.circuitBreaker, status: "TRIGGERED" } };
  } else if (triggered.length) {
    next = { ...next, statusReason: rolloutReasons.alarmsFailed(triggered), alarms: { ...next.alarms, status: "TRIGGERED", triggeredAlarmNames: triggered } };
  } else {
    if (next !== deployment) saveDeployment(db, scope, next);
    return daemon;
  }

  const target = lastCompletedRevision(db, daemon.daemonArn, deployment.daemonDeploymentArn!);
  const revision = target ? findRevision(db, target) : undefined;
  if (!revision) {
    finish(db, scope, now, next, "STOPPED");
    return daemon;
  }
  saveDeployment(db, scope, {
    ...next, status: "ROLLBACK_IN_PROGRESS", bakeStartedAt: undefined,
    rollback: { reason: next.statusReason, rollbackCapacityProviders: revision.capacityProviderArns, rollbackTargetDaemonRevisionArn: revision.daemonRevisionArn, startedAt: now },
  });
  const rolledBack = { ...daemon, revisionArn: revision.daemonRevisionArn! };
  saveDaemon(db, scope, rolledBack);
  return rolledBack;
}

/**
 * The revision the daemon ran when its last completed deployment (before `except`) ended: a
 * SUCCESSFUL deployment's target, or the revision a successful rollback returned to.
 */
function lastCompletedRevision(db: Db, daemonArn: string, except: string): string | undefined {
  for (const d of deploymentsOf(db, daemonArn)) {
    if (d.daemonDeploymentArn === except) continue;
    if (d.status === "SUCCESSFUL" && d.targetRevisionArn) return d.targetRevisionArn;
    if (d.status === "ROLLBACK_SUCCESSFUL" && d.rollback?.rollbackTargetDaemonRevisionArn) return d.rollback.rollbackTargetDaemonRevisionArn;
  }
  return undefined;
}

/** A deployment ends: its monitors still watching are done watching, its bake time is over. */
export function finish(db: Db, scope: Scope, now: Date, d: StoredDeployment, status: DaemonDeploymentStatus): void {
  const complete = <T extends { status?: string }>(m: T | undefined) => (m?.status === "MONITORING" ? { ...m, status: "MONITORING_COMPLETE" as const } : m);
  saveDeployment(db, scope, {
    ...d, status, finishedAt: now, ...(status === "STOPPED" ? { stoppedAt: now } : {}),
    circuitBreaker: complete(d.circuitBreaker), alarms: complete(d.alarms), bakeStartedAt: undefined,
  });
}

/**
 * ECS's bake time: "the amount of time to wait after a successful deployment step before
 * proceeding". A step is done when no instance is between tasks (its old task stopping, its new
 * one not RUNNING yet, or none at all) and at least one instance runs the target revision; the
 * next instances are drained, or the deployment completes, only once the step's new tasks have
 * run that long. An instance falling between tasks again (a new task failed) restarts the wait.
 * Only an IN_PROGRESS deployment bakes: a rollback goes back at once. `bakeStartedAt` is what
 * the deployment must record (stored, so a restart resumes the wait).
 */
export function bakeState(d: StoredDeployment | undefined, inFlight: number, onTarget: number, now: number): { holding: boolean; bakeStartedAt?: number } {
  const bakeMs = (d?.deploymentConfiguration?.bakeTimeInMinutes ?? 0) * 60_000;
  if (!d || d.status !== "IN_PROGRESS" || bakeMs === 0 || inFlight > 0 || onTarget === 0) return { holding: false };
  const since = d.bakeStartedAt ?? now;
  return { holding: now - since < bakeMs, bakeStartedAt: since };
}
