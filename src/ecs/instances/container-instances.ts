import type {
  DeregisterContainerInstanceRequest, DescribeContainerInstancesRequest, Failure, ListContainerInstancesRequest,
  UpdateContainerInstancesStateRequest,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import { filterInstances } from "../../scheduler/index.js";
import type { EcsDeps } from "../deps.js";
import { clusterNameOf, requireActiveCluster } from "../clusters/cluster-store.js";
import { invalidParameter } from "../errors.js";
import { instanceArnOf } from "./instance-refs.js";
import { findInstance, instancesOf, saveInstance, type StoredInstance } from "./instance-store.js";
import { instanceSnapshots } from "./instance-snapshot.js";
import { presentInstances } from "./instance-view.js";
import { instanceUsage } from "../tasks/task-placements.js";
import { paginate } from "../pagination.js";
import { registerContainerInstanceHandler } from "./register-container-instance.js";

const instanceNotFound = () => invalidParameter("The referenced container instance was not found.");

/** The container instance API; `dockerVersion` is what instances registered without versionInfo report. */
export function containerInstanceHandlers(deps: EcsDeps, { dockerVersion }: { dockerVersion: string }): Record<string, Handler> {
  const { db, clock } = deps;

  /** The instances `refs` name in the request's cluster, and a MISSING failure for each that names none. */
  function resolve(ctx: RequestContext, clusterRef: string | undefined, refs: string[]) {
    const cluster = requireActiveCluster(db, ctx, clusterRef);
    const name = clusterNameOf(ctx, clusterRef);
    const found: StoredInstance[] = [];
    const failures: Failure[] = [];
    for (const ref of refs) {
      const arn = instanceArnOf(ctx, name, ref);
      const stored = arn ? findInstance(db, arn) : undefined;
      if (stored && stored.clusterArn === cluster.clusterArn) found.push(stored);
      else failures.push({ arn: arn ?? ref, reason: "MISSING" });
    }
    return { cluster, found, failures };
  }

  return {
    RegisterContainerInstance: registerContainerInstanceHandler(deps, dockerVersion),

    DescribeContainerInstances: (input: DescribeContainerInstancesRequest, ctx: RequestContext) => {
      const refs = input.containerInstances ?? [];
      if (refs.length === 0) throw invalidParameter("ContainerInstances cannot be empty.");
      if (refs.length > 100) throw invalidParameter("containerInstances can have at most 100 items.");
      const { found, failures } = resolve(ctx, input.cluster, refs);
      return { containerInstances: presentInstances(db, found, input.include ?? [], clock.now()), failures };
    },

    ListContainerInstances: (input: ListContainerInstancesRequest, ctx: RequestContext) => {
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      // Without a status filter ECS lists every status but INACTIVE.
      const statuses = input.status ? [input.status] : ["ACTIVE", "DRAINING", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED"];
      let instances = instancesOf(db, ctx, cluster.clusterArn!, statuses);
      if (input.filter !== undefined && input.filter.trim() !== "") {
        const result = filterInstances(instanceSnapshots(db, instances), input.filter);
        if (!result.ok) throw invalidParameter(result.error.message);
        instances = result.instances.map((s) => s.stored);
      }
      const { page, nextToken } = paginate(instances.map((s) => s.instance.containerInstanceArn!), input);
      return { containerInstanceArns: page, nextToken };
    },

    DeregisterContainerInstance: (input: DeregisterContainerInstanceRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const { found } = resolve(ctx, input.cluster, [input.containerInstance!]);
        const stored = found[0];
        if (!stored) throw instanceNotFound();
        if (stored.instance.status === "INACTIVE") return { containerInstance: presentInstances(db, [stored], [], clock.now())[0] };
        const usage = instanceUsage(db, [stored.instance.containerInstanceArn!]).get(stored.instance.containerInstanceArn!)!;
        // With force the tasks are orphaned, as in ECS: they keep running (and stay stoppable) but
        // no longer count against any instance of the cluster.
        if (usage.active > 0 && !input.force) throw invalidParameter("Found running tasks on the instance.");
        const next: StoredInstance = {
          ...stored,
          instance: { ...stored.instance, status: "INACTIVE", agentConnected: false, version: (stored.instance.version ?? 0) + 1 },
        };
        saveInstance(db, ctx, next);
        return { containerInstance: presentInstances(db, [next], [], clock.now())[0] };
      })(),

    UpdateContainerInstancesState: (input: UpdateContainerInstancesStateRequest, ctx: RequestContext) => {
      const status = input.status!;
      if (status !== "ACTIVE" && status !== "DRAINING") throw invalidParameter("Container instance status can only be updated to ACTIVE or DRAINING.");
      const refs = input.containerInstances ?? [];
      if (refs.length === 0) throw invalidParameter("ContainerInstances cannot be empty.");
      if (refs.length > 10) throw invalidParameter("containerInstances can have at most 10 items.");
      return db.transaction(() => {
        const { found, failures } = resolve(ctx, input.cluster, refs);
        const updated: StoredInstance[] = [];
        for (const stored of found) {
          // A deregistered instance can be described but no longer changed.
          if (stored.instance.status === "INACTIVE") {
            failures.push({ arn: stored.instance.containerInstanceArn, reason: "INACTIVE" });
            continue;
          }
          if (stored.instance.status === status) {
            updated.push(stored);
            continue;
          }
          const next: StoredInstance = { ...stored, instance: { ...stored.instance, status, version: (stored.instance.version ?? 0) + 1 } };
          saveInstance(db, ctx, next);
          updated.push(next);
        }
        return { containerInstances: presentInstances(db, updated, [], clock.now()), failures };
      })();
    },
  };
}
