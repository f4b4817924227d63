import type {
  Cluster, CapacityProviderStrategyItem, Deployment, DeploymentConfiguration, DeploymentController, Service, ServiceRegistry, TaskDefinition,
} from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { ServiceError } from "../../core/errors.js";
import { clientException, invalidParameter } from "../errors.js";
import { chooseLaunchType, type LaunchType } from "../tasks/launch-options.js";
import { resolveTaskDefinition } from "../task-definitions/task-definition-store.js";
import { defaultPercents, TRAFFIC_SHIFTING } from "./deployment-rules.js";
import { newDeploymentId } from "./service-store.js";
import { rolloutReasons } from "./service-events.js";
import { isFargateStrategy } from "../capacity-providers/capacity-provider-split.js";
import { checkLifecycleHooks } from "./lifecycle-hook-config.js";
import { roleArnOf as iamRoleArnOf } from "../../iam/pass-role.js";

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
  if (!def || def.status === "DELETE_IN_PROGRESS") throw clientException("TaskDefinition not found.");
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
  const bake = merged.bakeTimeInMinutes;
  if (bake !== undefined && !minutesInRange(bake)) throw invalidParameter(`bakeTimeInMinutes must be between 0 and ${MAX_BAKE_MINUTES}.`);
  const shifting = TRAFFIC_SHIFTING.has(merged.strategy ?? "ROLLING");
  if (shifting && schedulingStrategy === "DAEMON") throw invalidParameter(`The ${merged.strategy} deployment strategy is not supported with the DAEMON scheduling strategy.`);
  if (merged.lifecycleHooks?.length) checkLifecycleHooks(merged.lifecycleHooks, merged.strategy ?? "ROLLING");
  const linear = merged.linearConfiguration;
  if (linear) {
    if (linear.stepPercent !== undefined && !tenthsInRange(linear.stepPercent, 3, 100)) throw invalidParameter("stepPercent must be a multiple of 0.1 between 3.0 and 100.0.");
    if (linear.stepBakeTimeInMinutes !== undefined && !minutesInRange(linear.stepBakeTimeInMinutes)) throw invalidParameter(`stepBakeTimeInMinutes must be between 0 and ${MAX_BAKE_MINUTES}.`);
  }
  const canary = merged.canaryConfiguration;
  if (canary) {
    if (canary.canaryPercent !== undefined && !tenthsInRange(canary.canaryPercent, 0.1, 100)) throw invalidParameter("canaryPercent must be a multiple of 0.1 between 0.1 and 100.0.");
    if (canary.canaryBakeTimeInMinutes !== undefined && !minutesInRange(canary.canaryBakeTimeInMinutes)) throw invalidParameter(`canaryBakeTimeInMinutes must be between 0 and ${MAX_BAKE_MINUTES}.`);
  }
  if (shifting) merged.bakeTimeInMinutes = bake ?? 0;
  // ECS's defaults for the strategy's own settings, shown as ECS shows them.
  if (merged.strategy === "LINEAR") merged.linearConfiguration = { stepPercent: 10, stepBakeTimeInMinutes: 6, ...stripUndefined(linear) };
  if (merged.strategy === "CANARY") merged.canaryConfiguration = { canaryPercent: 5, canaryBakeTimeInMinutes: 10, ...stripUndefined(canary) };
  return merged;
}

/** ECS accepts bake times of up to 1440 minutes (24 hours). */
const MAX_BAKE_MINUTES = 1440;
const minutesInRange = (m: number) => Number.isInteger(m) && m >= 0 && m <= MAX_BAKE_MINUTES;
/** ECS takes traffic percentages in multiples of 0.1. */
const tenthsInRange = (p: number, min: number, max: number) => p >= min && p <= max && Math.abs(p * 10 - Math.round(p * 10)) < 1e-6;
const stripUndefined = <T extends object>(o: T | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

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
export function refuseUnsupported(input: { serviceRegistries?: ServiceRegistry[] }) {
  if (input.serviceRegistries?.length) throw invalidParameter("Service registries are not supported by Berth yet.");
}

/** A new service's deployment controller: ECS (the default), CODE_DEPLOY or EXTERNAL (values outside the enum are refused by the protocol layer). */
export const deploymentControllerOf = (given: DeploymentController | undefined): "ECS" | "CODE_DEPLOY" | "EXTERNAL" => (given?.type ?? "ECS") as "ECS" | "CODE_DEPLOY" | "EXTERNAL";

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
/**
 * What a deployment carries that the Service shape does not: Service Connect (service-connect.ts),
 * and the EBS volume and VPC Lattice configurations, recorded and shown (Berth has neither EBS nor
 * VPC Lattice). A change of any of them starts a new deployment, as in ECS.
 */
export type DeploymentOwn = Pick<Deployment, "serviceConnectConfiguration" | "volumeConfigurations" | "vpcLatticeConfigurations">;
export const DEPLOYMENT_OWN = ["serviceConnectConfiguration", "volumeConfigurations", "vpcLatticeConfigurations"] as const;

export function newDeployment(svc: Service, now: Date, own: DeploymentOwn = {}): Deployment {
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
    ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)),
    rolloutState: "IN_PROGRESS",
    rolloutStateReason: rolloutReasons.inProgress(id),
  };
}

/** `role` may be a name or an ARN; ECS shows the ARN. */
export const roleArnOf = (scope: Scope, role: string | undefined) => (role === undefined ? undefined : iamRoleArnOf(role, scope.account));
