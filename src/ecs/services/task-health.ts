import { SETTLE_WITHOUT_HEALTH_CHECK_MS } from "./deployment-rules.js";
import { serviceMessages } from "./service-events.js";
import type { PlanTask } from "./service-plan-types.js";

/** ECS's stoppedReason for a task replaced because an essential container failed its health check. */
export const CONTAINER_HEALTH_STOP_REASON = "Task failed container health checks";
/** ECS's stoppedReason for a task replaced because its target in this target group is unhealthy. */
export const elbHealthStopReason = (targetGroupArn: string) => `Task failed ELB health checks in (target-group ${targetGroupArn})`;

/**
 * Whether a task counts towards minimumHealthyPercent and a deployment's completion, as the ECS
 * API reference states for DeploymentConfiguration: without a load balancer, once HEALTHY if an
 * essential container has a health check, otherwise 40 seconds after it reached RUNNING; behind
 * load balancers, once every one of its targets is healthy (and HEALTHY too if it has a health
 * check): the load balancer's verdict replaces the 40-second wait.
 */
export function countsAsHealthy(t: PlanTask, now: number): boolean {
  if (t.lastStatus !== "RUNNING" || t.desiredStatus !== "RUNNING") return false;
  if (t.hasHealthCheck && t.health !== "HEALTHY") return false;
  if (t.targets) return t.targets.length > 0 && t.targets.every((x) => x.state === "healthy");
  return t.hasHealthCheck || now - (t.startedAt ?? now) >= SETTLE_WITHOUT_HEALTH_CHECK_MS;
}

export interface HealthFailure {
  /** The stoppedReason ECS gives the task. */
  reason: string;
  /** The service events ECS writes about it (before "has stopped ... running tasks"). */
  events: string[];
}

/**
 * Why the scheduler must replace a running task now, if it must: an essential container is
 * UNHEALTHY, or its target in one of its target groups is unhealthy. Both are ignored during the
 * service's healthCheckGracePeriodSeconds after the task started, as ECS does.
 */
export function healthFailure(t: PlanTask, now: number, gracePeriodSeconds: number, service: string): HealthFailure | undefined {
  if (t.lastStatus !== "RUNNING" || t.desiredStatus !== "RUNNING") return undefined;
  if (now < (t.startedAt ?? now) + gracePeriodSeconds * 1000) return undefined;
  if (t.health === "UNHEALTHY") return { reason: CONTAINER_HEALTH_STOP_REASON, events: [serviceMessages.healthCheckFailed(service, t.arn)] };
  const failing = (t.targets ?? []).filter((x) => x.state === "unhealthy");
  if (failing.length === 0) return undefined;
  return {
    reason: elbHealthStopReason(failing[0]!.targetGroupArn),
    events: failing.map((x) => serviceMessages.unhealthyTarget(service, t.arn, x)),
  };
}
