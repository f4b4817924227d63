import type {
  CreateServiceRequest, DeleteServiceRequest, DescribeServicesRequest, Failure, ListServicesRequest, Service,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { EcsDeps } from "../deps.js";
import { clusterNameOf, requireActiveCluster } from "../clusters/cluster-store.js";
import { invalidParameter } from "../errors.js";
import { paginate } from "../pagination.js";
import { putTags, validateTags } from "../tags.js";
import { recall, remember } from "../idempotency.js";
import { checkCompatibility, checkHostPowers } from "../tasks/launch-options.js";
import { constraintsFor, validatePlacement } from "../placement/placement-request.js";
import { initialServiceState } from "./service-plan-types.js";
import { serviceConnectConfiguration } from "./service-connect.js";
import {
  checkServiceShape, deploymentConfiguration, deploymentControllerOf, launchChoice, newDeployment, refuseUnsupported, roleArnOf, serviceNotActive, serviceNotFound,
  serviceTaskDefinition, validateServiceName,
} from "./service-config.js";
import { findService, forgetService, saveService, serviceArn, serviceArnOf, serviceArnsOf, type StoredService } from "./service-store.js";
import { presentService } from "./service-view.js";
import { beginServiceDeployment } from "./service-deployment-store.js";
import { findProvider } from "../capacity-providers/capacity-provider-store.js";
import { updateServiceHandler } from "./update-service.js";
import { serviceDeploymentHandlers } from "./service-deployments.js";
import { validateLoadBalancers } from "./load-balancer-config.js";
import { newTaskSet, taskSetHandlers } from "./task-sets.js";

/** What the service handlers tell the scheduler: something changed, decide again soon. */
export interface ServiceScheduler {
  poke(): void;
}

export function serviceHandlers(deps: EcsDeps, scheduler: ServiceScheduler): Record<string, Handler> {
  const { db, clock } = deps;

  /** The service a request names in its cluster, or ServiceNotFoundException. */
  function requireService(ctx: RequestContext, clusterRef: string | undefined, ref: string): StoredService {
    requireActiveCluster(db, ctx, clusterRef);
    const arn = serviceArnOf(ctx, clusterNameOf(ctx, clusterRef), ref);
    const stored = arn ? findService(db, arn) : undefined;
    if (!stored) throw serviceNotFound();
    return stored;
  }

  return {
    CreateService: (input: CreateServiceRequest, ctx: RequestContext) => {
      const name = validateServiceName(input.serviceName);
      const scheduling = input.schedulingStrategy ?? "REPLICA";
      if (scheduling === "DAEMON" && input.desiredCount !== undefined) throw invalidParameter("The daemon scheduling strategy does not support a desired count for services.");
      if (scheduling === "REPLICA" && input.desiredCount === undefined) throw invalidParameter("desiredCount is required for a service using the REPLICA scheduling strategy.");
      if ((input.desiredCount ?? 0) < 0) throw invalidParameter("desiredCount must be at least 0.");
      if ((input.healthCheckGracePeriodSeconds ?? 0) < 0) throw invalidParameter("healthCheckGracePeriodSeconds must be at least 0.");
      refuseUnsupported(input);
      const controller = deploymentControllerOf(input.deploymentController);
      validateTags(input.tags);
      validatePlacement(input.placementConstraints, input.placementStrategy);
      const config = deploymentConfiguration(scheduling, input.deploymentConfiguration);
      // Task set services deploy through their controller: ECS's deployment strategies are not theirs.
      if (controller !== "ECS" && (config.strategy ?? "ROLLING") !== "ROLLING") {
        throw invalidParameter(`The ${config.strategy} deployment strategy is only supported with the ECS deployment controller.`);
      }

      const service = db.transaction(() => {
        const cluster = requireActiveCluster(db, ctx, input.cluster);
        const { hash, stored: previous } = recall<string>(db, ctx, "CreateService", input.clientToken, input);
        if (previous) return presentService(db, findService(db, previous)!, true);
        const arn = serviceArn(ctx, cluster.clusterName!, name);
        const existing = findService(db, arn);
        if (existing && existing.service.status !== "INACTIVE") throw invalidParameter("Creation of service was not idempotent.");
        if (existing) forgetService(db, arn);

        // EXTERNAL services run what their task sets name: a task definition is optional, as in ECS.
        const external = controller === "EXTERNAL";
        if (external && input.loadBalancers?.length) throw invalidParameter("Load balancers of a service with the EXTERNAL deployment controller are specified on its task sets.");
        const def = external && !input.taskDefinition ? undefined : serviceTaskDefinition(db, ctx, input.taskDefinition);
        const launch = launchChoice(input, cluster, (n) => findProvider(db, ctx, n)?.status === "ACTIVE");
        if (def) {
          checkCompatibility(def, launch.launchType, { networkConfiguration: input.networkConfiguration });
          checkHostPowers(def, launch.launchType, deps.config);
          validatePlacement(constraintsFor(def, input.placementConstraints), input.placementStrategy);
        }
        const loadBalancers = def ? validateLoadBalancers(ctx, input.loadBalancers, def, deps.loadBalancers, config.strategy) : [];
        const serviceConnect = serviceConnectConfiguration(input.serviceConnectConfiguration, cluster);
        const now = clock.now();
        const fargate = launch.launchType === "FARGATE";
        const svc: Service = {
          serviceArn: arn,
          serviceName: name,
          clusterArn: cluster.clusterArn,
          loadBalancers,
          serviceRegistries: [],
          status: "ACTIVE",
          desiredCount: input.desiredCount ?? 0,
          ...(launch.capacityProviderStrategy ? { capacityProviderStrategy: launch.capacityProviderStrategy } : { launchType: launch.launchType }),
          ...(fargate ? { platformVersion: input.platformVersion ?? "LATEST", platformFamily: "Linux" } : {}),
          ...(def ? { taskDefinition: def.taskDefinitionArn } : {}),
          deploymentConfiguration: config,
          roleArn: roleArnOf(ctx, input.role),
          createdAt: now,
          placementConstraints: input.placementConstraints ?? [],
          placementStrategy: input.placementStrategy ?? [],
          networkConfiguration: input.networkConfiguration,
          ...(input.healthCheckGracePeriodSeconds !== undefined ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds } : {}),
          schedulingStrategy: scheduling,
          deploymentController: { type: controller },
          createdBy: `arn:aws:iam::${ctx.account}:root`,
          enableECSManagedTags: input.enableECSManagedTags ?? false,
          propagateTags: input.propagateTags ?? "NONE",
          enableExecuteCommand: input.enableExecuteCommand ?? false,
          // Recorded and shown: Berth's scheduler does not move tasks between zones. ENABLED is ECS's
          // default for a new service that supports it (REPLICA).
          availabilityZoneRebalancing: input.availabilityZoneRebalancing ?? (scheduling === "REPLICA" ? "ENABLED" : "DISABLED"),
        };
        checkServiceShape(svc);
        const own = { serviceConnectConfiguration: serviceConnect, volumeConfigurations: input.volumeConfigurations, vpcLatticeConfigurations: input.vpcLatticeConfigurations };
        svc.deployments = controller === "ECS" ? [newDeployment(svc, now, own)] : [];
        if (controller === "EXTERNAL") svc.taskSets = [];
        if (controller === "ECS") beginServiceDeployment(db, ctx, svc, svc.deployments[0]!, def!, now);
        const stored: StoredService = { scope: ctx, service: svc, state: initialServiceState() };
        // CODE_DEPLOY: the service's first task set, PRIMARY at 100%, as ECS creates it; CodeDeploy would manage the next.
        if (controller === "CODE_DEPLOY") {
          const first = newTaskSet(deps, ctx, stored, { taskDefinition: svc.taskDefinition, launchType: svc.launchType, capacityProviderStrategy: svc.capacityProviderStrategy, networkConfiguration: svc.networkConfiguration, loadBalancers, platformVersion: input.platformVersion }, now);
          svc.taskSets = [{ ...first, status: "PRIMARY", startedBy: "CODE_DEPLOY" }];
        }
        saveService(db, stored);
        putTags(db, arn, input.tags);
        remember(db, ctx, "CreateService", input.clientToken, hash, arn, now);
        return presentService(db, stored, true);
      })();
      scheduler.poke();
      return { service };
    },

    UpdateService: updateServiceHandler(deps, scheduler, requireService),
    ...serviceDeploymentHandlers(deps, scheduler, requireService),

    ...taskSetHandlers(deps, scheduler, requireService),

    DeleteService: (input: DeleteServiceRequest, ctx: RequestContext) => {
      const service = db.transaction(() => {
        const stored = requireService(ctx, input.cluster, input.service!);
        const svc = stored.service;
        if (svc.status !== "ACTIVE") throw serviceNotActive();
        if (svc.schedulingStrategy !== "DAEMON" && (svc.desiredCount ?? 0) > 0 && !input.force) {
          throw invalidParameter("The service cannot be stopped while it is scaled above 0.");
        }
        // As ECS does: DRAINING while its tasks stop, INACTIVE once none is left.
        const next: StoredService = { ...stored, service: { ...svc, status: "DRAINING", desiredCount: 0 } };
        saveService(db, next);
        return presentService(db, next, false);
      })();
      scheduler.poke();
      return { service };
    },

    DescribeServices: (input: DescribeServicesRequest, ctx: RequestContext) => {
      const refs = input.services ?? [];
      if (refs.length === 0) throw invalidParameter("Services cannot be empty.");
      if (refs.length > 10) throw invalidParameter("services can have at most 10 items.");
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      const withTags = input.include?.includes("TAGS") ?? false;
      const services: Service[] = [];
      const failures: Failure[] = [];
      for (const ref of refs) {
        const arn = serviceArnOf(ctx, cluster.clusterName!, ref);
        const stored = arn ? findService(db, arn) : undefined;
        if (stored) services.push(presentService(db, stored, withTags));
        else failures.push({ arn: arn ?? ref, reason: "MISSING" });
      }
      return { services, failures };
    },

    ListServices: (input: ListServicesRequest, ctx: RequestContext) => {
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      const arns = serviceArnsOf(db, ctx, cluster.clusterArn!, { launchType: input.launchType, schedulingStrategy: input.schedulingStrategy });
      const { page, nextToken } = paginate(arns, input, { defaultMax: 10, limit: 100 });
      return { serviceArns: page, nextToken };
    },
  };
}
