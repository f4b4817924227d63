import type { Deployment, Service } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { emitEvent } from "../../store/outbox.js";
import { computedDesiredCount } from "./task-set-model.js";

/** EventBridge's "ECS Service Action" events (the Developer Guide's "Amazon ECS service action events"). */
export function emitServiceAction(db: Db, scope: Scope, service: Service, eventType: "INFO" | "WARN" | "ERROR", eventName: string, at: Date, extra: Record<string, unknown> = {}): void {
  emitEvent(db, scope, {
    source: "aws.ecs", detailType: "ECS Service Action", resources: [service.serviceArn!], time: at,
    detail: { eventType, eventName, clusterArn: service.clusterArn, createdAt: at.toISOString(), ...extra },
  });
}

const deploymentEvent: Record<string, { eventType: "INFO" | "ERROR"; eventName: string }> = {
  IN_PROGRESS: { eventType: "INFO", eventName: "SERVICE_DEPLOYMENT_IN_PROGRESS" },
  COMPLETED: { eventType: "INFO", eventName: "SERVICE_DEPLOYMENT_COMPLETED" },
  FAILED: { eventType: "ERROR", eventName: "SERVICE_DEPLOYMENT_FAILED" },
};

/**
 * "ECS Deployment State Change" for every deployment that appeared or whose rolloutState changed
 * between the stored service and the one being saved.
 */
export function emitDeploymentChanges(db: Db, scope: Scope, before: Service | undefined, after: Service): void {
  const previous = new Map((before?.deployments ?? []).map((d) => [d.id, d]));
  for (const d of after.deployments ?? []) {
    const was: Deployment | undefined = previous.get(d.id);
    if (!d.rolloutState || was?.rolloutState === d.rolloutState) continue;
    const kind = deploymentEvent[d.rolloutState];
    if (!kind) continue;
    const at = d.updatedAt ? new Date(d.updatedAt) : new Date();
    emitEvent(db, scope, {
      source: "aws.ecs", detailType: "ECS Deployment State Change", resources: [after.serviceArn!], time: at,
      detail: { ...kind, deploymentId: d.id, updatedAt: at.toISOString(), reason: d.rolloutStateReason ?? "" },
    });
  }
}

/**
 * SERVICE_DESIRED_COUNT_UPDATED for every task set whose computed desired count the scheduler
 * changed between the stored service and the one being saved: the service's desired count or the
 * task set's scale moved (UpdateService, UpdateTaskSet, Application Auto Scaling). A task set
 * being created gets its first count, which is not an update.
 */
export function emitTaskSetCountChanges(db: Db, scope: Scope, before: Service | undefined, after: Service): void {
  if (!before) return;
  const previous = new Map((before.taskSets ?? []).map((t) => [t.id, t]));
  const now = new Date();
  for (const set of after.taskSets ?? []) {
    const was = previous.get(set.id);
    if (!was) continue;
    const count = computedDesiredCount(after.desiredCount ?? 0, set);
    if (count === computedDesiredCount(before.desiredCount ?? 0, was)) continue;
    emitServiceAction(db, scope, after, "INFO", "SERVICE_DESIRED_COUNT_UPDATED", now, { desiredCount: count, taskSetArns: [set.taskSetArn] });
  }
}
