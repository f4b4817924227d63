import type { Service } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import { findTask } from "../tasks/task-store.js";
import { capacityProviderArn } from "../capacity-providers/capacity-providers.js";
import { emitServiceAction } from "./service-action-events.js";
import { daemonConstraintViolations } from "./daemon-constraint-violations.js";
import { serviceMessages } from "./service-events.js";
import type { ServicePlan } from "./service-plan-types.js";
import type { StoredService } from "./service-store.js";

/**
 * The "ECS Service Action" events one decision of the service scheduler gives rise to, in its
 * transaction (the Developer Guide's "Amazon ECS service action events"). Each follows what the
 * decision did: the service messages it wrote, the task sets it settled, the tasks it stopped or
 * counted as failed.
 */
export function emitDecisionActions(db: Db, { stored, next, plan, events, now }: { stored: StoredService; next: Service; plan: ServicePlan; events: readonly string[]; now: Date }): void {
  const { scope, service: before } = stored;
  const name = before.serviceName!;

  // SERVICE_STEADY_STATE goes out (from apply) when the "has reached a steady state." message is
  // written: on becoming steady, and again every six hours while it stays so. The capacity
  // providers its tasks run on are then steady too: CAPACITY_PROVIDER_STEADY_STATE names them.
  if (plan.state.steadyEventAt !== stored.state.steadyEventAt && plan.state.steadyEventAt === now.getTime()) {
    const providers = (next.capacityProviderStrategy ?? []).map((s) => capacityProviderArn(scope, s.capacityProvider!));
    if (providers.length) emitServiceAction(db, scope, next, "INFO", "CAPACITY_PROVIDER_STEADY_STATE", now, { capacityProviderArns: providers });
  }

  // TASKSET_STEADY_STATE: a task set that now runs exactly its computed desired count.
  const was = new Map((before.taskSets ?? []).map((t) => [t.id, t.stabilityStatus]));
  for (const set of next.taskSets ?? []) {
    if (set.stabilityStatus === "STEADY_STATE" && was.get(set.id) !== "STEADY_STATE") {
      emitServiceAction(db, scope, next, "INFO", "TASKSET_STEADY_STATE", now, { taskSetArns: [set.taskSetArn] });
    }
  }

  // SERVICE_DESIRED_COUNT_UPDATED: the scheduler's own desired count changed (DAEMON: the
  // instances that should run the daemon); a user's UpdateService does not come through here.
  if (plan.desiredCount !== (before.desiredCount ?? 0)) {
    emitServiceAction(db, scope, next, "INFO", "SERVICE_DESIRED_COUNT_UPDATED", now, { desiredCount: plan.desiredCount });
  }

  // TASKS_STOPPED: the scheduler stopped running tasks (scale-in, replacement, deployment).
  if (plan.stops.length) emitServiceAction(db, scope, next, "INFO", "TASKS_STOPPED", now, { taskArns: plan.stops.map((s) => s.taskArn) });

  // SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED: a daemon task stopped because its instance no
  // longer meets the service's placement constraints.
  const violated = daemonConstraintViolations(db, scope, next, plan.stops.map((s) => s.taskArn));
  if (violated.length) emitServiceAction(db, scope, next, "ERROR", "SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED", now, { containerInstanceArns: violated });

  // SERVICE_TASK_START_IMPAIRED: written with "is unable to consistently start tasks successfully.",
  // when the scheduler starts throttling launches after repeated failures to start.
  if (events.includes(serviceMessages.throttled(name))) emitServiceAction(db, scope, next, "WARN", "SERVICE_TASK_START_IMPAIRED", now);

  // SERVICE_TASK_CONFIGURATION_FAILURE: a task counted by this decision could not start because
  // ECS could not assume its task role (the guide's example of a configuration error).
  for (const arn of plan.accounted) {
    const reason = findTask(db, arn)?.stoppedReason;
    if (reason && TASK_ROLE_FAILURE.test(reason)) {
      emitServiceAction(db, scope, next, "ERROR", "SERVICE_TASK_CONFIGURATION_FAILURE", now, { reason });
      break;
    }
  }
}

/** The stoppedReason a task gets when its task role cannot be assumed (src/ecs/task-credentials). */
const TASK_ROLE_FAILURE = /^ResourceInitializationError: unable to assume the task role /;
