import type { CapacityProviderStrategyItem, NetworkConfiguration, PropagateTags, Tag, TaskDefinition, TaskOverride } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import { clientException, invalidParameter } from "../errors.js";
import { hostPolicyViolation, type HostPolicy, type HostRequest } from "../../core/host-policy.js";
import { fargateIncompatibility } from "../task-definitions/task-definition-fargate.js";
import { networkModeOf } from "./task-builder.js";
import { BLANK_ENVIRONMENT_NAME, blankEnvironmentName } from "../task-definitions/task-definition-containers.js";
import { getTags, validateTags } from "../tags.js";
import { isFargateProvider, validateStrategy } from "../capacity-providers/capacity-provider-split.js";

/** ECS's words for a strategy that names a provider the cluster has not associated. */
export const notAssociated = () =>
  invalidParameter("The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.");

export type LaunchType = "EC2" | "FARGATE";

/**
 * The launch type a RunTask, StartTask or service asks for: a launch type, or a capacity
 * provider strategy (Fargate's built-in providers, which run tasks as FARGATE; which provider
 * each task gets is splitByStrategy's decision), or EC2 when neither is given.
 */
export function chooseLaunchType(
  input: { launchType?: string; capacityProviderStrategy?: CapacityProviderStrategyItem[] },
  providers: {
    /** Whether a provider other than FARGATE and FARGATE_SPOT exists (an ACTIVE Auto Scaling group provider). */
    asgProviderExists(name: string): boolean;
    /** The cluster's capacity providers: a strategy may name only those. */
    associated: string[];
  },
): { launchType: LaunchType } {
  if (input.launchType && input.capacityProviderStrategy?.length) {
    throw invalidParameter("Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.");
  }
  if (input.capacityProviderStrategy?.length) {
    validateStrategy(input.capacityProviderStrategy);
    const names = input.capacityProviderStrategy.map((s) => s.capacityProvider!);
    const unknown = names.find((n) => !isFargateProvider(n) && !providers.asgProviderExists(n));
    if (unknown) throw invalidParameter(`The specified capacity provider ${unknown} was not found.`);
    if (names.some((n) => !providers.associated.includes(n))) throw notAssociated();
    const fargate = names.filter(isFargateProvider).length;
    if (fargate > 0 && fargate < names.length) {
      throw invalidParameter("The specified capacity provider strategy cannot contain a mix of capacity providers using Auto Scaling groups and Fargate providers. Specify one or the other and try again.");
    }
    return { launchType: fargate ? "FARGATE" : "EC2" };
  }
  const lt = input.launchType ?? "EC2";
  if (lt !== "EC2" && lt !== "FARGATE") throw invalidParameter(`Launch type ${lt} is not supported by Berth.`);
  return { launchType: lt };
}

/** What ECS checks between a task definition, a launch type, the network configuration and the overrides. */
export function checkCompatibility(def: TaskDefinition, launchType: LaunchType, input: { networkConfiguration?: NetworkConfiguration; overrides?: TaskOverride }) {
  if (launchType === "FARGATE" && !def.compatibilities?.includes("FARGATE")) {
    throw invalidParameter("Task definition does not support launch_type FARGATE.");
  }
  if (launchType === "EC2" && !def.compatibilities?.includes("EC2")) {
    throw invalidParameter("Task definition does not support launch_type EC2.");
  }
  const awsvpc = networkModeOf(def, launchType) === "awsvpc";
  const vpc = input.networkConfiguration?.awsvpcConfiguration;
  if (awsvpc && !vpc?.subnets?.length) {
    throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  if (!awsvpc && input.networkConfiguration) {
    throw invalidParameter("Network Configuration is not valid for the given networkMode of this task definition.");
  }
  if (vpc && vpc.subnets!.length > 16) throw invalidParameter("subnets can have at most 16 items.");
  if (vpc && (vpc.securityGroups?.length ?? 0) > 5) throw invalidParameter("securityGroups can have at most 5 items.");
  const names = new Set(def.containerDefinitions?.map((c) => c.name));
  for (const o of input.overrides?.containerOverrides ?? []) {
    if (!o.name || !names.has(o.name)) {
      throw invalidParameter(`Override for container named ${o.name ?? ""} is not a container in the TaskDefinition.`);
    }
    if (blankEnvironmentName(o.environment)) throw invalidParameter(BLANK_ENVIRONMENT_NAME);
    if (o.memory !== undefined && o.memory < 6) throw invalidParameter("Invalid 'memory' setting in container override: must be at least 6 MiB.");
    if (o.memory !== undefined && o.memoryReservation !== undefined && o.memoryReservation > o.memory) {
      throw invalidParameter(`The memory reservation of container ${o.name} must be less than or equal to its memory.`);
    }
  }
}

/**
 * The powers over the host a new launch of `def` would take, checked where tasks are asked for
 * (RunTask, StartTask, CreateService, and UpdateService when it changes what its tasks run —
 * never when it only scales, so a service can always be scaled down). Fargate's rules are asked
 * again rather than read from `compatibilities` alone: a definition stored by an older Berth,
 * before a rule existed, may list FARGATE and still ask for what Fargate refuses. Then the
 * operator's host policy, Berth's own (ECS has none), as a ClientException naming the policy.
 */
export function checkHostPowers(def: TaskDefinition, launchType: LaunchType, policy: HostPolicy) {
  if (launchType === "FARGATE" && fargateIncompatibility(def)) throw invalidParameter("Task definition does not support launch_type FARGATE.");
  const refused = hostPolicyViolation(hostRequestOf(def), policy);
  if (refused) throw clientException(refused);
}

/** The host powers a task definition asks for, in the policy's terms (see HostRequest). */
const hostRequestOf = (def: TaskDefinition): HostRequest => ({
  networkMode: def.networkMode,
  pidMode: def.pidMode,
  ipcMode: def.ipcMode,
  containers: (def.containerDefinitions ?? []).map((c) => ({
    name: c.name,
    privileged: c.privileged,
    capabilities: c.linuxParameters?.capabilities?.add,
    securityOptions: c.dockerSecurityOptions,
    systemControls: c.systemControls?.map((s) => s.namespace ?? ""),
    devices: c.linuxParameters?.devices?.map((d) => d.hostPath ?? ""),
  })),
  hostPaths: (def.volumes ?? []).flatMap((v) => (v.host?.sourcePath ? [v.host.sourcePath] : [])),
  dockerVolumes: (def.volumes ?? []).flatMap((v) => (v.dockerVolumeConfiguration ? [{ name: v.name ?? "", driver: v.dockerVolumeConfiguration.driver, driverOpts: v.dockerVolumeConfiguration.driverOpts }] : [])),
});

/**
 * A task's tags: its own, plus those propagated from the task definition or (for service tasks)
 * the service; the task's own win over inherited ones with the same key.
 */
export function propagatedTags(db: Db, propagate: PropagateTags | string | undefined, own: Tag[] = [], def: TaskDefinition, serviceArn?: string): Tag[] {
  const source = propagate === "TASK_DEFINITION" ? def.taskDefinitionArn : propagate === "SERVICE" ? serviceArn : undefined;
  if (!source) return own;
  const inherited = getTags(db, source).filter((t) => !own.some((o) => o.key === t.key));
  const all = [...inherited, ...own];
  validateTags(all);
  return all;
}
