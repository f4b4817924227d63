import type { Scope } from "../core/arn.js";
import { newUuid } from "../core/ids.js";
import type { AasDeps } from "./deps.js";
import { ecsServiceOf } from "./ecs-resource.js";
import { addActivity, latestActivity } from "./store.js";
import type { NotScaledReason, ScalableTarget, ScalingActivity } from "./types.js";

/**
 * Records a scaling activity of a target, as DescribeScalingActivities shows it. Activities end at
 * once: the change is made when it is recorded (ECS then converges on the new desired count).
 */
export function recordActivity(
  { db, clock }: AasDeps, scope: Scope, t: ScalableTarget,
  a: Pick<ScalingActivity, "Description" | "Cause" | "StatusCode" | "StatusMessage" | "EndTime" | "NotScaledReasons">,
): ScalingActivity {
  const now = clock.now();
  const activity: ScalingActivity = {
    ActivityId: newUuid(), ServiceNamespace: t.ServiceNamespace, ResourceId: t.ResourceId, ScalableDimension: t.ScalableDimension,
    StartTime: now, EndTime: now, ...a,
  };
  addActivity(db, scope, activity);
  return activity;
}

/** The service's desired count now, or undefined when the service is gone. */
export function currentCapacity(deps: AasDeps, scope: Scope, t: ScalableTarget): number | undefined {
  const ref = ecsServiceOf(t);
  return deps.services.desiredCount(scope, ref.cluster, ref.service);
}

/**
 * Sets the ECS service's desired count (through UpdateService) and records the activity, with
 * AWS's texts. A failure (the service was deleted since) is recorded as a Failed activity.
 */
export function setDesiredCount(deps: AasDeps, scope: Scope, t: ScalableTarget, count: number, cause: string): boolean {
  const ref = ecsServiceOf(t);
  const Description = `Setting desired count to ${count}.`;
  try {
    deps.services.setDesiredCount(scope, ref.cluster, ref.service, count);
  } catch (err) {
    deps.log.warn({ err, resourceId: t.ResourceId, count }, "could not set an ECS service's desired count");
    recordActivity(deps, scope, t, { Description, Cause: cause, StatusCode: "Failed", StatusMessage: `Failed to set desired count to ${count}. ${(err as Error).message}` });
    return false;
  }
  recordActivity(deps, scope, t, { Description, Cause: cause, StatusCode: "Successful", StatusMessage: `Successfully set desired count to ${count}. Change successfully fulfilled by ecs.` });
  deps.log.info({ resourceId: t.ResourceId, count, cause }, "scaled an ECS service");
  return true;
}

/**
 * Records a policy run that changed nothing because the capacity is already where the policy
 * would take it, as AWS does: a Failed activity "Attempting to scale due to alarm triggered" with
 * its NotScaledReasons (the capacity that blocked it), no status message and no end time.
 * Alarms invoke their policies again every period they stay in ALARM (a quiet service's AlarmLow
 * at its minimum, for days): a run not scaled for the same cause and reason as the target's
 * newest activity is not recorded again, so the history shows each blocked episode once and the
 * table does not grow by a row a minute.
 */
export function recordNotScaled(deps: AasDeps, scope: Scope, t: ScalableTarget, cause: string, reason: NotScaledReason): void {
  const last = latestActivity(deps.db, scope, t);
  if (last?.Cause === cause && JSON.stringify(last.NotScaledReasons) === JSON.stringify([reason])) return;
  recordActivity(deps, scope, t, { Description: "Attempting to scale due to alarm triggered", Cause: cause, StatusCode: "Failed", EndTime: undefined, NotScaledReasons: [reason] });
}

/**
 * After MinCapacity or MaxCapacity changed (RegisterScalableTarget, a scheduled action): a
 * desired count outside the new range is moved to its nearest bound.
 */
export function moveIntoRange(deps: AasDeps, scope: Scope, t: ScalableTarget): void {
  const current = currentCapacity(deps, scope, t);
  if (current === undefined) return;
  if (current < t.MinCapacity) setDesiredCount(deps, scope, t, t.MinCapacity, `minimum capacity was set to ${t.MinCapacity}`);
  else if (current > t.MaxCapacity) setDesiredCount(deps, scope, t, t.MaxCapacity, `maximum capacity was set to ${t.MaxCapacity}`);
}
