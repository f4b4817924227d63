import type { Cluster, Failure } from "@aws-sdk/client-ecs";
import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import { invalidParameter } from "./errors.js";
import { instancesOf, type StoredInstance } from "./instance-store.js";
import { capacityOf, remainingOf, type Reservation } from "./instance-resources.js";
import { instanceUsage } from "./task-placements.js";
import { placeFirstFit } from "./first-fit-placement.js";

export interface Ec2Placement {
  /** The instance each placed task goes to, in order; fewer than asked for when some did not fit. */
  instances: StoredInstance[];
  failures: Failure[];
}

/**
 * Chooses instances for `count` EC2 tasks that each reserve `demand`, from the cluster's state in
 * the caller's transaction. This is the seam where the placement engine plugs in: build its
 * ClusterSnapshot from the same rows and call planPlacement instead of placeFirstFit.
 */
export function placeEc2Tasks(db: Db, scope: Scope, cluster: Cluster, demand: Reservation, count: number): Ec2Placement {
  const registered = instancesOf(db, scope, cluster.clusterArn!, ["ACTIVE", "DRAINING"]);
  // As ECS answers RunTask on a cluster without instances (an error, not failures[]).
  if (registered.length === 0) throw invalidParameter("No Container Instances were found in your cluster.");
  const usage = instanceUsage(db, registered.map((s) => s.instance.containerInstanceArn!));
  const candidates = registered.map(({ instance }) => ({
    arn: instance.containerInstanceArn!,
    status: instance.status!,
    agentConnected: instance.agentConnected ?? false,
    remaining: remainingOf(capacityOf(instance.registeredResources), usage.get(instance.containerInstanceArn!)!.reservations),
  }));
  const plan = placeFirstFit(candidates, demand, count);
  const byArn = new Map(registered.map((s) => [s.instance.containerInstanceArn!, s]));
  return { instances: plan.placements.map((arn) => byArn.get(arn)!), failures: plan.failures };
}
