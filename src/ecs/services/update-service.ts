import type { Service, UpdateServiceRequest } from "@aws-sdk/client-ecs";
import { findProvider } from "../capacity-providers/capacity-provider-store.js";
import { isFargateStrategy } from "../capacity-providers/capacity-provider-split.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { EcsDeps } from "../deps.js";
import { requireActiveCluster } from "../clusters/cluster-store.js";
import { clientException, invalidParameter } from "../errors.js";
import { checkCompatibility, checkHostPowers } from "../tasks/launch-options.js";
import { constraintsFor, validatePlacement } from "../placement/placement-request.js";
import { serviceConnectConfiguration } from "./service-connect.js";
import { DEPLOYMENT_OWN, type DeploymentOwn, checkServiceShape, deploymentConfiguration, launchChoice, newDeployment, refuseUnsupported, serviceNotActive, serviceTaskDefinition } from "./service-config.js";
import { saveService, type StoredService } from "./service-store.js";
import { resolveTaskDefinition } from "../task-definitions/task-definition-store.js";
import { presentService } from "./service-view.js";
import { beginServiceDeployment } from "./service-deployment-store.js";
import type { ServiceScheduler } from "./services.js";
import { validateLoadBalancers } from "./load-balancer-config.js";
import { usesTaskSets } from "./task-set-model.js";

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * UpdateService. What the tasks run — task definition, network configuration, platform version,
 * capacity provider strategy — starts a new deployment (the old PRIMARY becomes ACTIVE and is
 * replaced by the rolling update), as does forceNewDeployment. The desired count, the deployment
 * configuration, placement, the grace period and tag propagation apply to the service as it is.
 */
export function updateServiceHandler(
  { db, clock, config, loadBalancers }: EcsDeps,
  scheduler: ServiceScheduler,
  requireService: (ctx: RequestContext, cluster: string | undefined, ref: string) => StoredService,
) {
  return (input: UpdateServiceRequest, ctx: RequestContext) => {
    refuseUnsupported(input);
    if (input.desiredCount !== undefined && input.desiredCount < 0) throw invalidParameter("desiredCount must be at least 0.");
    if ((input.healthCheckGracePeriodSeconds ?? 0) < 0) throw invalidParameter("healthCheckGracePeriodSeconds must be at least 0.");
    validatePlacement(input.placementConstraints, input.placementStrategy);

    const service = db.transaction(() => {
      const stored = requireService(ctx, input.cluster, input.service!);
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      const before = stored.service;
      if (before.status !== "ACTIVE") throw serviceNotActive();
      const svc: Service = { ...before };
      let redeploy = input.forceNewDeployment ?? false;
      const controller = before.deploymentController?.type ?? "ECS";
      if (input.deploymentController?.type !== undefined && input.deploymentController.type !== controller) {
        throw invalidParameter("Changing the deployment controller of a service is not supported by Berth.");
      }
      // Task set services deploy through their task sets: what the tasks run is not the service's to change.
      if (usesTaskSets(before)) {
        const deploys = ["taskDefinition", "networkConfiguration", "platformVersion", "capacityProviderStrategy", "loadBalancers", "serviceRegistries"] as const;
        const named = deploys.find((k) => input[k] !== undefined);
        if (named || input.forceNewDeployment) {
          throw invalidParameter(`Unable to update ${named ?? "forceNewDeployment"} on services with a ${controller} deployment controller. Use task sets to deploy a new revision.`);
        }
      }

      if (input.desiredCount !== undefined) {
        if (svc.schedulingStrategy === "DAEMON") throw invalidParameter("The daemon scheduling strategy does not support a desired count for services.");
        svc.desiredCount = input.desiredCount;
      }
      svc.deploymentConfiguration = deploymentConfiguration(svc.schedulingStrategy!, input.deploymentConfiguration, before.deploymentConfiguration);
      if (input.placementConstraints !== undefined) svc.placementConstraints = input.placementConstraints;
      if (input.placementStrategy !== undefined) svc.placementStrategy = input.placementStrategy;
      if (input.healthCheckGracePeriodSeconds !== undefined) svc.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
      if (input.enableExecuteCommand !== undefined) svc.enableExecuteCommand = input.enableExecuteCommand;
      if (input.enableECSManagedTags !== undefined) svc.enableECSManagedTags = input.enableECSManagedTags;
      if (input.propagateTags !== undefined) svc.propagateTags = input.propagateTags;

      if (usesTaskSets(before)) {
        if ((svc.deploymentConfiguration.strategy ?? "ROLLING") !== "ROLLING") {
          throw invalidParameter(`The ${svc.deploymentConfiguration.strategy} deployment strategy is only supported with the ECS deployment controller.`);
        }
        const next: StoredService = { ...stored, service: svc };
        saveService(db, next);
        return presentService(db, next, false);
      }
      // A service keeps running (and scaling) a revision deregistered since; only a new one must be ACTIVE.
      const def = input.taskDefinition !== undefined ? serviceTaskDefinition(db, ctx, input.taskDefinition) : resolveTaskDefinition(db, ctx, before.taskDefinition!);
      if (!def) throw clientException("TaskDefinition not found.");
      if (def.taskDefinitionArn !== before.taskDefinition) (svc.taskDefinition = def.taskDefinitionArn), (redeploy = true);
      if (input.networkConfiguration !== undefined && !same(input.networkConfiguration, before.networkConfiguration)) {
        svc.networkConfiguration = input.networkConfiguration;
        redeploy = true;
      }
      if (input.platformVersion !== undefined && input.platformVersion !== before.platformVersion) {
        svc.platformVersion = input.platformVersion;
        redeploy = true;
      }
      if (input.capacityProviderStrategy !== undefined) {
        const launch = launchChoice({ capacityProviderStrategy: input.capacityProviderStrategy }, cluster, (n) => findProvider(db, ctx, n)?.status === "ACTIVE");
        if (!same(launch.capacityProviderStrategy, before.capacityProviderStrategy)) {
          delete svc.launchType;
          svc.capacityProviderStrategy = launch.capacityProviderStrategy;
          redeploy = true;
        }
      }
      const launchType = launchTypeOf(svc);
      checkCompatibility(def, launchType, { networkConfiguration: svc.networkConfiguration });
      // Only a change of what the tasks run meets the host checks: scaling what runs is always allowed.
      if (def.taskDefinitionArn !== before.taskDefinition || launchType !== launchTypeOf(before)) checkHostPowers(def, launchType, config);
      validatePlacement(constraintsFor(def, svc.placementConstraints), svc.placementStrategy);
      // New load balancers (or a new revision) are checked as CreateService checks them; a change deploys.
      const strategyChanged = svc.deploymentConfiguration.strategy !== before.deploymentConfiguration?.strategy;
      if (input.loadBalancers !== undefined || def.taskDefinitionArn !== before.taskDefinition || strategyChanged) {
        svc.loadBalancers = validateLoadBalancers(ctx, input.loadBalancers ?? before.loadBalancers, def, loadBalancers, svc.deploymentConfiguration.strategy);
        if (!same(svc.loadBalancers, before.loadBalancers ?? [])) redeploy = true;
      }
      checkServiceShape(svc);
      // Service Connect, EBS volumes and VPC Lattice are the deployments': a changed one deploys, the others carry the primary's on.
      const primaryBefore = before.deployments?.find((d) => d.status === "PRIMARY");
      const own: DeploymentOwn = Object.fromEntries(DEPLOYMENT_OWN.map((k) => [k, input[k] !== undefined ? input[k] : primaryBefore?.[k]]));
      if (input.serviceConnectConfiguration !== undefined) own.serviceConnectConfiguration = serviceConnectConfiguration(input.serviceConnectConfiguration, cluster);
      if (DEPLOYMENT_OWN.some((k) => !same(own[k], primaryBefore?.[k]))) redeploy = true;
      // Without a value an update keeps the service's (DISABLED when it never had one); it deploys nothing.
      if (input.availabilityZoneRebalancing !== undefined) svc.availabilityZoneRebalancing = input.availabilityZoneRebalancing;

      const now = clock.now();
      let state = stored.state;
      if (redeploy) {
        const older = (before.deployments ?? []).map((d) => (d.status === "PRIMARY" ? { ...d, status: "ACTIVE", updatedAt: now } : d));
        svc.deployments = [newDeployment(svc, now, own), ...older];
        beginServiceDeployment(db, ctx, svc, svc.deployments[0]!, def, now);
        // A new deployment starts with a clean slate: no throttle carried over from the old one.
        state = { ...state, consecutiveFailures: 0, launchNotBefore: undefined, steady: false, rollback: undefined, stopRequested: undefined };
      }
      const next: StoredService = { ...stored, service: svc, state };
      saveService(db, next);
      return presentService(db, next, false);
    })();
    scheduler.poke();
    return { service };
  };
}

/** The launch type a service's tasks run as: EC2 for the EC2 launch type or an Auto Scaling group strategy. */
const launchTypeOf = (svc: Service) =>
  svc.launchType === "EC2" || (svc.capacityProviderStrategy?.length && !isFargateStrategy(svc.capacityProviderStrategy)) ? "EC2" : "FARGATE";
