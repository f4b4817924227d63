import type { Service, TaskSet } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { ServiceError } from "../../core/errors.js";
import { invalidParameter } from "../errors.js";
import { getTags } from "../tags.js";
import { taskCountsByDeployment } from "./service-store.js";

/**
 * Task sets: the deployment unit of services whose deployment controller is EXTERNAL (the
 * caller manages them) or CODE_DEPLOY (CodeDeploy would; Berth creates the first one). They live
 * in the service's stored document, as deployments do, so a decision of the service scheduler
 * reads and writes them in its one transaction. Their tasks are linked to them as a deployment's
 * are (service_tasks.deployment_id is the task set's id) and carry startedBy = that id.
 */

export const taskSetNotFound = () => new ServiceError("TaskSetNotFoundException", "The specified task set does not exist.");
export const notExternal = () => invalidParameter("Amazon ECS only supports task set management on services configured to use external deployment controllers.");

/** ECS keeps at most five task sets (its "deployments") per service. */
export const MAX_TASK_SETS = 5;

/** Services whose tasks the scheduler runs per task set rather than per deployment. */
export const usesTaskSets = (svc: Service) => svc.deploymentController?.type === "EXTERNAL" || svc.deploymentController?.type === "CODE_DEPLOY";

export const taskSetArn = (scope: Scope, cluster: string, service: string, id: string) => `arn:aws:ecs:${scope.region}:${scope.account}:task-set/${cluster}/${service}/${id}`;

/** A task set of the service named by id (ecs-svc/...) or ARN; undefined when there is none. */
export function findTaskSet(svc: Service, ref: string): TaskSet | undefined {
  return (svc.taskSets ?? []).find((t) => t.id === ref || t.taskSetArn === ref);
}

/**
 * The tasks a task set keeps: the service's desiredCount times its scale, always rounded up, as
 * ECS computes it (1.2 tasks is 2). A DRAINING task set keeps none.
 */
export function computedDesiredCount(desiredCount: number, set: TaskSet): number {
  if (set.status === "DRAINING") return 0;
  const percent = set.scale?.value ?? 100;
  // The small epsilon keeps 3 x 33.333...% at 1, not 2, despite binary floating point.
  return Math.max(0, Math.ceil((desiredCount * percent) / 100 - 1e-9));
}

/** Checks a scale as ECS does: a percentage between 0 and 100. */
export function checkScale(scale: { value?: number; unit?: string } | undefined): { value: number; unit: "PERCENT" } {
  if (scale === undefined) return { value: 100, unit: "PERCENT" };
  const value = scale.value ?? 0;
  if (!Number.isFinite(value) || value < 0 || value > 100) throw invalidParameter("Scale value must be between 0 and 100.");
  return { value, unit: "PERCENT" };
}

/** Stable when it runs exactly its computed desired count, every task RUNNING. */
export const stabilityOf = (computed: number, c: { running: number; pending: number; live: number }) =>
  c.running === computed && c.pending === 0 && c.live === computed ? "STEADY_STATE" : "STABILIZING";

/** Task counts per task set: running, pending, and every task not yet STOPPED. */
export function taskSetCounts(db: Db, serviceArn: string): (id: string) => { running: number; pending: number; live: number } {
  const counts = taskCountsByDeployment(db, serviceArn);
  return (id) => {
    const c = counts.get(id);
    return c ? { running: c.running, pending: c.pending, live: c.live } : { running: 0, pending: 0, live: 0 };
  };
}

/** A task set as DescribeTaskSets and DescribeServices show it: counts from its tasks, tags only when asked. */
export function presentTaskSet(db: Db, svc: Service, set: TaskSet, withTags: boolean, counts = taskSetCounts(db, svc.serviceArn!)): TaskSet {
  const c = counts(set.id!);
  const { tags: _stored, ...rest } = set;
  return {
    ...rest,
    computedDesiredCount: computedDesiredCount(svc.desiredCount ?? 0, set),
    runningCount: c.running,
    pendingCount: c.pending,
    ...(withTags ? { tags: getTags(db, set.taskSetArn!) } : {}),
  };
}

/** Dates of stored task sets come back as strings. */
export function reviveTaskSet(set: TaskSet): TaskSet {
  for (const k of ["createdAt", "updatedAt", "stabilityStatusAt"] as const) if (set[k]) set[k] = new Date(set[k] as unknown as string);
  return set;
}
