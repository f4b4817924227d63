import type { Service } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { filterInstances } from "../../scheduler/index.js";
import { findTask } from "../tasks/task-store.js";
import { instancesOf } from "../instances/instance-store.js";
import { placementSnapshots } from "../placement/ec2-placement.js";
import { constraintsFor } from "../placement/placement-request.js";
import { resolveTaskDefinition } from "../task-definitions/task-definition-store.js";

/**
 * DAEMON: the container instances, among those of the tasks a decision stopped, that are still
 * ACTIVE but no longer meet the service's memberOf constraints (its task definition's and its
 * own): the daemon's task was stopped there because the instance's attributes changed, what ECS
 * calls SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED. Tasks stopped for any other reason (a
 * drained instance, a new deployment) are not counted.
 */
export function daemonConstraintViolations(db: Db, scope: Scope, svc: Service, stoppedTaskArns: readonly string[]): string[] {
  if (svc.schedulingStrategy !== "DAEMON" || !stoppedTaskArns.length) return [];
  const ref = svc.deployments?.[0]?.taskDefinition;
  const def = ref ? resolveTaskDefinition(db, scope, ref) : undefined;
  const memberOf = def ? constraintsFor(def, svc.placementConstraints).filter((c) => c.type === "memberOf" && c.expression) : [];
  if (!memberOf.length) return [];
  const active = placementSnapshots(db, svc.clusterArn!, instancesOf(db, scope, svc.clusterArn!, ["ACTIVE"]));
  let eligible = active;
  for (const c of memberOf) {
    const r = filterInstances(eligible, c.expression!);
    if (r.ok) eligible = [...r.instances];
  }
  const activeArns = new Set(active.map((s) => s.arn));
  const eligibleArns = new Set(eligible.map((s) => s.arn));
  const violated = new Set<string>();
  for (const arn of stoppedTaskArns) {
    const instance = findTask(db, arn)?.containerInstanceArn;
    if (instance && activeArns.has(instance) && !eligibleArns.has(instance)) violated.add(instance);
  }
  return [...violated];
}
