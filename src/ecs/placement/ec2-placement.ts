import type { Cluster, Failure } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { planPlacement, planStartTask } from "../../scheduler/index.js";
import { invalidParameter } from "../errors.js";
import { instancesOf, type StoredInstance } from "../instances/instance-store.js";
import type { InstanceSnapshot } from "../../scheduler/index.js";
import type { Reservation } from "../instances/instance-resources.js";
import { instanceSnapshots } from "../instances/instance-snapshot.js";
import { placementRequest, wireFailures, type PlacementTarget } from "./placement-request.js";

export interface Ec2Placement {
  /** The instance each placed task goes to, in order; fewer than asked for when some did not fit. */
  instances: StoredInstance[];
  /** One entry per instance that could not take the next task, with ECS's reason. */
  failures: Failure[];
  /** The cluster has no registered (ACTIVE or DRAINING) instance at all. */
  empty: boolean;
}

/**
 * Chooses instances for `count` EC2 tasks of task group `group` that each reserve `demand`, from
 * the cluster's state in the caller's transaction, through the placement engine (src/scheduler):
 * planPlacement for RunTask and services (constraints, strategies, seeded so a decision replays),
 * planStartTask for StartTask (the caller's instances, the same checks, no strategies).
 * An invalid constraint or strategy is InvalidParameterException.
 */
export function placeEc2Tasks(db: Db, scope: Scope, cluster: Cluster, demand: Reservation, group: string, count: number, target: PlacementTarget, capacityProviderName?: string): Ec2Placement {
  // A capacity provider's tasks go only on the instances of its group.
  const registered = instancesOf(db, scope, cluster.clusterArn!, ["ACTIVE", "DRAINING"]).filter((i) => !capacityProviderName || i.instance.capacityProviderName === capacityProviderName);
  if (target.kind === "plan" && registered.length === 0) return { instances: [], failures: [], empty: true };
  const snapshots = placementSnapshots(db, cluster.clusterArn!, registered);
  const snapshot = { clusterArn: cluster.clusterArn, instances: snapshots };
  const request = placementRequest(demand, {
    group,
    count,
    ...(target.kind === "plan" ? { constraints: target.constraints, strategies: target.strategies, seed: target.seed } : { seed: "start-task" }),
  });
  const result = target.kind === "plan" ? planPlacement(snapshot, request) : planStartTask(snapshot, request, target.instanceArns);
  if (!result.ok) throw invalidParameter(result.error.message);
  const byArn = new Map(snapshots.map((s) => [s.arn, s.stored]));
  return { instances: result.plan.placements.map((p) => byArn.get(p.instanceArn)!), failures: wireFailures(result.plan.failures), empty: false };
}

/**
 * The cluster's instances as placement sees them. A task being stopped still holds its
 * resources until it is STOPPED, but no longer counts as a task of its group where it runs:
 * spread and distinctInstance look past it, as its replacement must be placed as if it were gone.
 */
export function placementSnapshots(db: Db, clusterArn: string, registered: StoredInstance[]): Array<InstanceSnapshot & { stored: StoredInstance }> {
  const stopping = new Set(
    (db.prepare("SELECT arn FROM tasks WHERE cluster_arn = ? AND desired_status = 'STOPPED' AND last_status != 'STOPPED'").all(clusterArn) as Array<{ arn: string }>).map((r) => r.arn),
  );
  return instanceSnapshots(db, registered).map((s) => (stopping.size ? { ...s, tasks: s.tasks?.filter((t) => !stopping.has(t.arn)) } : s));
}
