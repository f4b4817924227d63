import type {
  Cluster, CapacityProviderStrategyItem, Deployment, DeploymentConfiguration, DeploymentController, Service, ServiceRegistry, TaskDefinition,
} from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { ServiceError } from "../../core/errors.js";
import { invalidParameter } from "../errors.js";
import { chooseLaunchType, type LaunchType } from "../tasks/launch-options.js";
import { resolveTaskDefinition } from "../task-definitions/task-definition-store.js";
import { defaultPercents } from "./deployment-rules.js";
import { newDeploymentId } from "./service-store.js";
import { rolloutReasons } from "./service-events.js";
import { isFargateStrategy } from "../capacity-providers/capacity-provider-split.js";

export const serviceNotFound = () => new ServiceError("ServiceNotFoundException", "Service not found.");
export const serviceNotActive = () => new ServiceError("ServiceNotActiveException", "Service was not ACTIVE.");

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;

export function validateServiceName(name: string | undefined): string {
  if (!name || !NAME.test(name)) {
    throw invalidParameter("Service name can have up to 255 characters: letters (uppercase and lowercase), numbers, underscores and hyphens.");
  }
  return name;
}

/** The task definition a service runs: it must exist and be ACTIVE, as ECS requires. */
export function serviceTaskDefinition(db: Db, scope: Scope, ref: string | undefined): TaskDefinition {
  if (!ref) throw invalidParameter("TaskDefinition must be specified.");
  const def = resolveTaskDefinition(db, scope, ref);
  if (!def || def.status === "DELETE_IN_PROGRESS") throw invalidParameter("TaskDefinition not found.");
  if (def.status !== "ACTIVE") throw invalidParameter("TaskDefinition is inactive");
  return def;
}

/**
 * The deployment configuration with ECS's defaults (REPLICA: 100 / 200, DAEMON: 0 / 100, the
 * circuit breaker off), `given` overriding `current` member by member.
 */
export function deploymentConfiguration(schedulingStrategy: string, given?: DeploymentConfiguration, current?: DeploymentConfiguration): DeploymentConfiguration {
  const defaults = defaultPercents(schedulingStrategy);
  const merged: DeploymentConfiguration = {
    deploymentCircuitBreaker: { enable: false, rollback: false },
    ...defaults,
    ...current,
    ...Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined)),
  };
  const min = merged.minimumHealthyPercent!;
  const max = merged.maximumPercent!;
  if (min < 0 || min > 100) throw invalidParameter("minimumHealthyPercent must be between 0 and 100.");
  if (max < 100) throw invalidParameter("maximumPercent must be at least 100.");
  // Values outside the model's DeploymentStrategy enum are refused by the protocol layer's validation.
  if (merged.strategy === "LINEAR" || merged.strategy === "CANARY") throw invalidParameter(`Deployment strategy ${merged.strategy} is not supported by Berth yet; use ROLLING or BLUE_GREEN.`);
  const bake = merged.bakeTimeInMinutes;
  if (bake !== undefined && (!Number.isInteger(bake) || bake < 0 || bake > MAX_BAKE_MINUTES)) throw invalidParameter(`bakeTimeInMinutes must be between 0 and ${MAX_BAKE_MINUTES}.`);
  if (merged.strategy === "BLUE_GREEN" && schedulingStrategy === "DAEMON") throw invalidParameter("The BLUE_GREEN deployment strategy is not supported with the DAEMON scheduling strategy.");
  // Lifecycle hooks name Lambda functions, which Berth cannot invoke yet: refused, not ignored.
  if (merged.lifecycleHooks?.length) throw invalidParameter("Deployment lifecycle hooks are not supported by Berth yet.");
  if (merged.strategy === "BLUE_GREEN") merged.bakeTimeInMinutes = bake ?? 0;
  return merged;
}

/** ECS accepts a bake time of up to 1440 minutes (24 hours). */
const MAX_BAKE_MINUTES = 1440;

export interface LaunchChoice {
  launchType: LaunchType;
  /** Set when the service names a capacity provider strategy (its own or the cluster's default). */
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
}

/** A service's launch: its launch type, its capacity provider strategy, or the cluster's default strategy, or EC2. */
export function launchChoice(input: { launchType?: string; capacityProviderStrategy?: CapacityProviderStrategyItem[] }, cluster: Cluster, asgProviderExists: (name: string) => boolean): LaunchChoice {
  const strategy = input.capacityProviderStrategy?.length ? input.capacityProviderStrategy : !input.launchType && cluster.defaultCapacityProviderStrategy?.length ? cluster.defaultCapacityProviderStrategy : undefined;
  const { launchType } = chooseLaunchType({ launchType: input.launchType, capacityProviderStrategy: strategy }, { asgProviderExists, associated: cluster.capacityProviders ?? [] });
  return strategy ? { launchType, capacityProviderStrategy: strategy.map((s) => ({ capacityProvider: s.capacityProvider, weight: s.weight ?? 0, base: s.base ?? 0 })) } : { launchType };
}

/** What Berth does not run yet is refused, not silently ignored. */
export function refuseUnsupported(input: { serviceRegistries?: ServiceRegistry[]; deploymentController?: DeploymentController }) {
  if (input.serviceRegistries?.length) throw invalidParameter("Service registries are not supported by Berth yet.");
  if (input.deploymentController?.type && input.deploymentController.type !== "ECS") {
    throw invalidParameter(`Deployment controller ${input.deploymentController.type} is not supported by Berth; use ECS.`);
  }
}

/** Checks that tie the scheduling strategy, the launch type and placement together. */
export function checkServiceShape(svc: Service) {
  const fargate = svc.launchType === "FARGATE" || isFargateStrategy(svc.capacityProviderStrategy);
  if (svc.schedulingStrategy === "DAEMON" && fargate) throw invalidParameter("The DAEMON scheduling strategy is not supported with the FARGATE launch type.");
  if (svc.schedulingStrategy === "DAEMON" && svc.placementStrategy?.length) throw invalidParameter("Placement strategies are not supported with the DAEMON scheduling strategy.");
  if (fargate && (svc.placementStrategy?.length || svc.placementConstraints?.length)) {
    throw invalidParameter("Placement constraints and strategies are not supported with the FARGATE launch type.");
  }
}

/** A new PRIMARY deployment of the service as it now stands, IN_PROGRESS. */
export function newDeployment(svc: Service, now: Date): Deployment {
  const id = newDeploymentId();
  const fargate = svc.launchType === "FARGATE" || isFargateStrategy(svc.capacityProviderStrategy);
  return {
    id,
    status: "PRIMARY",
    taskDefinition: svc.taskDefinition,
    desiredCount: svc.desiredCount,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    ...(svc.capacityProviderStrategy?.length ? { capacityProviderStrategy: svc.capacityProviderStrategy } : { launchType: svc.launchType }),
    ...(fargate ? { platformVersion: "1.4.0", platformFamily: "Linux" } : {}),
    networkConfiguration: svc.networkConfiguration,
    rolloutState: "IN_PROGRESS",
    rolloutStateReason: rolloutReasons.inProgress(id),
  };
}

/** `role` may be a name or an ARN; ECS shows the ARN. */
export const roleArnOf = (scope: Scope, role: string | undefined) => (role === undefined ? undefined : role.startsWith("arn:") ? role : `arn:aws:iam::${scope.account}:role/${role}`);
