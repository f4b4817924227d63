import type {
  CreateTaskSetRequest, DeleteTaskSetRequest, DescribeTaskSetsRequest, Failure, Service, TaskSet, UpdateServicePrimaryTaskSetRequest, UpdateTaskSetRequest,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { EcsDeps } from "../deps.js";
import { requireActiveCluster } from "../clusters/cluster-store.js";
import { invalidParameter } from "../errors.js";
import { putTags, validateTags } from "../tags.js";
import { recall, remember } from "../idempotency.js";
import { checkCompatibility, checkHostPowers } from "../tasks/launch-options.js";
import { findProvider } from "../capacity-providers/capacity-provider-store.js";
import { isFargateStrategy } from "../capacity-providers/capacity-provider-split.js";
import { launchChoice, serviceNotActive, serviceTaskDefinition } from "./service-config.js";
import { newDeploymentId, saveService, type StoredService } from "./service-store.js";
import { validateLoadBalancers } from "./load-balancer-config.js";
import type { ServiceScheduler } from "./services.js";
import { checkScale, findTaskSet, MAX_TASK_SETS, notExternal, presentTaskSet, taskSetArn, taskSetNotFound } from "./task-set-model.js";

type RequireService = (ctx: RequestContext, cluster: string | undefined, ref: string) => StoredService;

/** What a new task set runs, checked as CreateService checks a service's; throws before anything is stored. */
export function newTaskSet(deps: EcsDeps, ctx: RequestContext, stored: StoredService, input: Omit<CreateTaskSetRequest, "service" | "cluster">, now: Date): TaskSet {
  const { db } = deps;
  const svc = stored.service;
  const cluster = requireActiveCluster(db, ctx, svc.clusterArn);
  const def = serviceTaskDefinition(db, ctx, input.taskDefinition);
  // The task set's own launch, else the service's, else the cluster's default strategy, else EC2.
  const own = input.launchType || input.capacityProviderStrategy?.length;
  const launch = launchChoice(own ? input : { launchType: svc.launchType, capacityProviderStrategy: svc.capacityProviderStrategy }, cluster, (n) => findProvider(db, ctx, n)?.status === "ACTIVE");
  checkCompatibility(def, launch.launchType, { networkConfiguration: input.networkConfiguration });
  checkHostPowers(def, launch.launchType, deps.config);
  const loadBalancers = validateLoadBalancers(ctx, input.loadBalancers, def, deps.loadBalancers);
  const id = newDeploymentId();
  const fargate = launch.launchType === "FARGATE" || isFargateStrategy(launch.capacityProviderStrategy);
  return {
    id,
    taskSetArn: taskSetArn(ctx, cluster.clusterName!, svc.serviceName!, id),
    serviceArn: svc.serviceArn,
    clusterArn: svc.clusterArn,
    ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
    status: "ACTIVE",
    taskDefinition: def.taskDefinitionArn,
    ...(launch.capacityProviderStrategy ? { capacityProviderStrategy: launch.capacityProviderStrategy } : { launchType: launch.launchType }),
    ...(fargate ? { platformVersion: input.platformVersion ?? "LATEST", platformFamily: "Linux" } : {}),
    ...(input.networkConfiguration ? { networkConfiguration: input.networkConfiguration } : {}),
    loadBalancers,
    // Recorded and shown; Berth registers no Cloud Map instances (docs/compatibility.md).
    serviceRegistries: input.serviceRegistries ?? [],
    scale: checkScale(input.scale),
    stabilityStatus: "STABILIZING",
    stabilityStatusAt: now,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The task set operations of services with the EXTERNAL deployment controller. Each change is
 * stored with the service in one transaction; the service scheduler then starts and stops the
 * task sets' tasks (task-set-plan.ts).
 */
export function taskSetHandlers(deps: EcsDeps, scheduler: ServiceScheduler, requireService: RequireService): Record<string, Handler> {
  const { db, clock } = deps;

  /** The EXTERNAL service a request names, ACTIVE. */
  function externalService(ctx: RequestContext, cluster: string | undefined, ref: string): StoredService {
    const stored = requireService(ctx, cluster, ref);
    if (stored.service.deploymentController?.type !== "EXTERNAL") throw notExternal();
    if (stored.service.status !== "ACTIVE") throw serviceNotActive();
    return stored;
  }

  /** Stores a changed task set with its service, and answers with it as DescribeTaskSets shows it. */
  function saveTaskSet(stored: StoredService, set: TaskSet): TaskSet {
    const sets = (stored.service.taskSets ?? []).map((t) => (t.id === set.id ? set : t));
    const svc: Service = { ...stored.service, taskSets: sets };
    saveService(db, { ...stored, service: svc });
    return presentTaskSet(db, svc, set, false);
  }

  return {
    CreateTaskSet: (input: CreateTaskSetRequest, ctx: RequestContext) => {
      validateTags(input.tags);
      const taskSet = db.transaction(() => {
        const stored = externalService(ctx, input.cluster, input.service!);
        const { hash, stored: previous } = recall<string>(db, ctx, "CreateTaskSet", input.clientToken, input);
        const again = previous ? findTaskSet(stored.service, previous) : undefined;
        if (again) return presentTaskSet(db, stored.service, again, false);
        const existing = stored.service.taskSets ?? [];
        if (existing.length >= MAX_TASK_SETS) throw invalidParameter(`${existing.length} deployments exist on the service. Unable to create new TaskSet since this exceeds the maximum limit.`);
        if (input.loadBalancers && input.loadBalancers.length > 1) throw invalidParameter("CreateTaskSet cannot have more than 1 load balancer.");
        const now = clock.now();
        const set = newTaskSet(deps, ctx, stored, input, now);
        const svc: Service = { ...stored.service, taskSets: [...existing, set] };
        saveService(db, { ...stored, service: svc });
        putTags(db, set.taskSetArn!, input.tags);
        remember(db, ctx, "CreateTaskSet", input.clientToken, hash, set.id, now);
        return presentTaskSet(db, svc, set, false);
      })();
      scheduler.poke();
      return { taskSet };
    },

    DescribeTaskSets: (input: DescribeTaskSetsRequest, ctx: RequestContext) => {
      const stored = requireService(ctx, input.cluster, input.service!);
      const svc = stored.service;
      if (svc.deploymentController?.type !== "EXTERNAL" && svc.deploymentController?.type !== "CODE_DEPLOY") throw notExternal();
      const withTags = input.include?.includes("TAGS") ?? false;
      const refs = input.taskSets;
      if (!refs?.length) return { taskSets: (svc.taskSets ?? []).map((t) => presentTaskSet(db, svc, t, withTags)), failures: [] };
      const taskSets: TaskSet[] = [];
      const failures: Failure[] = [];
      for (const ref of refs) {
        const set = findTaskSet(svc, ref);
        if (set) taskSets.push(presentTaskSet(db, svc, set, withTags));
        else failures.push({ arn: ref, reason: "MISSING" });
      }
      return { taskSets, failures };
    },

    UpdateTaskSet: (input: UpdateTaskSetRequest, ctx: RequestContext) => {
      const scale = checkScale(input.scale ?? {});
      const taskSet = db.transaction(() => {
        const stored = externalService(ctx, input.cluster, input.service!);
        const set = findTaskSet(stored.service, input.taskSet!);
        if (!set) throw taskSetNotFound();
        if (set.status === "DRAINING") throw invalidParameter("The task set is being deleted and cannot be updated.");
        return saveTaskSet(stored, { ...set, scale, stabilityStatus: "STABILIZING", stabilityStatusAt: clock.now(), updatedAt: clock.now() });
      })();
      scheduler.poke();
      return { taskSet };
    },

    UpdateServicePrimaryTaskSet: (input: UpdateServicePrimaryTaskSetRequest, ctx: RequestContext) => {
      const taskSet = db.transaction(() => {
        const stored = externalService(ctx, input.cluster, input.service!);
        const set = findTaskSet(stored.service, input.primaryTaskSet!);
        if (!set) throw taskSetNotFound();
        if (set.status === "DRAINING") throw invalidParameter("The task set is being deleted and cannot be made the primary task set.");
        const now = clock.now();
        // The former PRIMARY becomes ACTIVE: one task set serves production traffic.
        const sets = (stored.service.taskSets ?? []).map((t) =>
          t.id === set.id ? { ...t, status: "PRIMARY", updatedAt: now } : t.status === "PRIMARY" ? { ...t, status: "ACTIVE", updatedAt: now } : t);
        const svc: Service = { ...stored.service, taskSets: sets };
        // The service runs what its primary task set runs, as ECS shows it.
        svc.taskDefinition = set.taskDefinition;
        saveService(db, { ...stored, service: svc });
        return presentTaskSet(db, svc, sets.find((t) => t.id === set.id)!, false);
      })();
      scheduler.poke();
      return { taskSet };
    },

    DeleteTaskSet: (input: DeleteTaskSetRequest, ctx: RequestContext) => {
      const taskSet = db.transaction(() => {
        const stored = externalService(ctx, input.cluster, input.service!);
        const set = findTaskSet(stored.service, input.taskSet!);
        if (!set) throw taskSetNotFound();
        if (set.status === "DRAINING") return presentTaskSet(db, stored.service, set, false);
        const scaled = (set.scale?.value ?? 0) > 0 && (stored.service.desiredCount ?? 0) > 0;
        if (scaled && !input.force) throw invalidParameter("The task set cannot be deleted while it is scaled above 0.");
        // DRAINING: its tasks are deregistered and stopped; once none is left it is gone.
        const now = clock.now();
        return saveTaskSet(stored, { ...set, status: "DRAINING", stabilityStatus: "STABILIZING", stabilityStatusAt: now, updatedAt: now });
      })();
      scheduler.poke();
      return { taskSet };
    },
  };
}
