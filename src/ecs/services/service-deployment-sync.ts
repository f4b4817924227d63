import type { Service, ServiceDeployment, ServiceDeploymentStatus } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { ServicePlan, ServiceState } from "./service-plan-types.js";
import { ONGOING, ongoingDeploymentsOf, revisionArnOf, saveServiceDeployment } from "./service-deployment-store.js";
import { withSummaries } from "./service-deployment-view.js";
import { stageOfKey } from "./deployment-rules.js";

/**
 * After each decision, in its transaction: the service deployments still going on follow what the
 * scheduler did. PENDING becomes IN_PROGRESS at the first decision; a failure (circuit breaker,
 * alarm, StopServiceDeployment) becomes ROLLBACK_IN_PROGRESS when the scheduler rolled back, else
 * STOPPED; a completed PRIMARY makes its own deployment SUCCESSFUL, or the deployment that rolled
 * back to it ROLLBACK_SUCCESSFUL; a rollback target that fails in turn makes it ROLLBACK_FAILED.
 */
export function followServiceDeployments(db: Db, svc: Service, plan: ServicePlan, state: ServiceState, now: Date): void {
  const records = ongoingDeploymentsOf(db, svc.serviceArn!);
  if (records.length === 0) return;
  const primary = svc.deployments?.[0];
  const failedTasks = new Map(plan.deployments.map((d) => [d.id, d.failedTasks]));
  const f = plan.failure;
  for (const rec of records) {
    const before = JSON.stringify(rec.doc);
    let doc: ServiceDeployment = { ...rec.doc };
    let rollbackTo = rec.rollbackTo;
    const finish = (status: ServiceDeploymentStatus) => {
      doc = { ...withSummaries(db, svc, doc), status, finishedAt: now, lifecycleStage: undefined };
      if (status === "STOPPED") doc.stoppedAt = now;
      const complete = <T extends { status?: string }>(m: T | undefined) => (m?.status === "MONITORING" ? { ...m, status: "MONITORING_COMPLETE" } : m);
      doc.deploymentCircuitBreaker = complete(doc.deploymentCircuitBreaker);
      doc.alarms = complete(doc.alarms);
    };

    if (doc.status === "PENDING") (doc.status = "IN_PROGRESS"), (doc.startedAt = now);
    const breaker = doc.deploymentCircuitBreaker;
    const failed = failedTasks.get(rec.deploymentId);
    if (breaker?.status === "MONITORING" && failed !== undefined && doc.status === "IN_PROGRESS") doc.deploymentCircuitBreaker = { ...breaker, failureCount: failed };

    if (f && f.deploymentId === rec.deploymentId && ["IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED"].includes(doc.status!)) {
      doc.statusReason = f.reason;
      if (f.cause === "CIRCUIT_BREAKER") doc.deploymentCircuitBreaker = { ...doc.deploymentCircuitBreaker, status: "TRIGGERED", failureCount: f.failedTasks };
      if (f.cause === "ALARM") doc.alarms = { ...doc.alarms, status: "TRIGGERED", triggeredAlarmNames: f.alarms ?? [] };
      if (plan.rolledBackTo) {
        rollbackTo = plan.rolledBackTo;
        doc.status = "ROLLBACK_IN_PROGRESS";
        doc.rollback = { reason: f.reason, startedAt: now, serviceRevisionArn: revisionArnOf(db, svc.serviceArn!, plan.rolledBackTo) };
        doc.lifecycleStage = undefined;
      } else finish("STOPPED");
    } else if (f && rollbackTo === f.deploymentId && doc.status === "ROLLBACK_IN_PROGRESS") {
      doc.statusReason = f.reason;
      finish("ROLLBACK_FAILED");
    }

    if (primary?.rolloutState === "COMPLETED") {
      if (rec.deploymentId === primary.id && doc.status === "IN_PROGRESS") finish("SUCCESSFUL");
      else if (rollbackTo === primary.id && doc.status === "ROLLBACK_IN_PROGRESS") finish("ROLLBACK_SUCCESSFUL");
    }
    if (svc.status !== "ACTIVE" && ONGOING.has(doc.status!)) {
      doc.statusReason = "The service was deleted.";
      finish("STOPPED");
    }
    if (doc.status === "IN_PROGRESS") doc.lifecycleStage = stageOf(rec.deploymentId, svc, state, primary?.id === rec.deploymentId ? plan.awaitingHook : undefined);

    if (JSON.stringify(doc) === before && rollbackTo === rec.rollbackTo) continue;
    saveServiceDeployment(db, { ...rec, rollbackTo, doc: { ...doc, updatedAt: now } });
  }
}

/**
 * Blue/green, linear and canary deployments report the stage they are at: a hook's stage while its
 * hooks hold the deployment, else SCALE_UP until the new
 * tasks are ready, PRODUCTION_TRAFFIC_SHIFT while traffic moves, BAKE_TIME once it all has.
 * Rolling deployments report none (ECS documents the stages for blue/green deployments).
 */
function stageOf(deploymentId: string, svc: Service, state: ServiceState, awaitingHook: string | undefined): ServiceDeployment["lifecycleStage"] {
  const bg = state.blueGreen;
  if (!bg || !svc.loadBalancers?.length) return undefined;
  // Held by lifecycle hooks: the stage they run at (PRE_PRODUCTION_TRAFFIC_SHIFT is not one of ServiceDeploymentLifecycleStage's values).
  if (awaitingHook) {
    const stage = stageOfKey(awaitingHook);
    return (stage === "PRE_PRODUCTION_TRAFFIC_SHIFT" ? "PRODUCTION_TRAFFIC_SHIFT" : stage) as ServiceDeployment["lifecycleStage"];
  }
  if (bg.production === deploymentId) return "BAKE_TIME";
  if (bg.shifting?.deploymentId === deploymentId) return "PRODUCTION_TRAFFIC_SHIFT";
  return "SCALE_UP";
}
