import type { LoadBalancer, TaskDefinition } from "@aws-sdk/client-ecs";
import type { Scope } from "../../core/arn.js";
import { clientException, invalidParameter } from "../errors.js";
import type { LoadBalancerTargets } from "./load-balancer-targets.js";
import { TRAFFIC_SHIFTING } from "./deployment-rules.js";

/** ECS allows at most five target groups per service. */
const MAX_LOAD_BALANCERS = 5;

/** The network mode a service's tasks run in: the task definition's, else bridge (EC2's default on Linux). */
export const networkModeOf = (def: TaskDefinition) => def.networkMode ?? "bridge";

/**
 * Checks a service's `loadBalancers` against its task definition and the target groups, with
 * ECS's messages; returns them as the service shows them. Throws before anything is stored.
 */
export function validateLoadBalancers(scope: Scope, given: LoadBalancer[] | undefined, def: TaskDefinition, targets: LoadBalancerTargets, strategy = "ROLLING"): LoadBalancer[] {
  const lbs = given ?? [];
  if (lbs.length > MAX_LOAD_BALANCERS) throw invalidParameter(`loadBalancers can have at most ${MAX_LOAD_BALANCERS} items.`);
  const mode = networkModeOf(def);
  const seen = new Set<string>();
  for (const lb of lbs) {
    if (lb.loadBalancerName !== undefined) throw invalidParameter("Classic Load Balancers are not supported by Berth; use targetGroupArn.");
    if (!lb.targetGroupArn) throw invalidParameter("targetGroupArn must be specified.");
    if (!lb.containerName) throw invalidParameter("Container Name can not be blank.");
    if (lb.containerPort === undefined) throw invalidParameter("Container Port can not be blank.");
    const tg = targets.targetGroup(scope, lb.targetGroupArn);
    if (!tg) throw invalidParameter(`Unable to find the target group with targetGroupArn ${lb.targetGroupArn}.`);
    const wanted = mode === "awsvpc" ? "ip" : "instance";
    if (tg.targetType !== wanted) {
      throw invalidParameter(`The provided target group ${lb.targetGroupArn} has target type ${tg.targetType}, which is incompatible with the ${mode} network mode specified in the task definition.`);
    }
    if (!tg.hasLoadBalancer) throw invalidParameter(`The target group with targetGroupArn ${lb.targetGroupArn} does not have an associated load balancer.`);
    const container = def.containerDefinitions?.find((c) => c.name === lb.containerName);
    if (!container) throw invalidParameter(`The container ${lb.containerName} does not exist in the task definition.`);
    if (!container.portMappings?.some((p) => p.containerPort === lb.containerPort)) {
      throw invalidParameter(`The container ${lb.containerName} did not have a container port ${lb.containerPort} defined.`);
    }
    if (TRAFFIC_SHIFTING.has(strategy)) checkAdvancedConfiguration(scope, lb, wanted, targets, strategy);
    else if (lb.advancedConfiguration) throw invalidParameter("advancedConfiguration can only be specified when using the blue/green, linear or canary deployment strategy.");
    const key = `${lb.targetGroupArn} ${lb.containerName} ${lb.containerPort}`;
    if (seen.has(key)) throw invalidParameter("The same target group, container name and container port cannot be specified more than once.");
    seen.add(key);
  }
  return lbs.map((lb) => ({
    targetGroupArn: lb.targetGroupArn,
    containerName: lb.containerName,
    containerPort: lb.containerPort,
    ...(lb.advancedConfiguration ? { advancedConfiguration: lb.advancedConfiguration } : {}),
  }));
}

/**
 * BLUE_GREEN, LINEAR and CANARY: each load balancer names the alternate target group the new (green) tasks register
 * in, and the listener rule whose forward action Berth reweights to move production traffic;
 * that rule (and the test rule, if given) must forward to both target groups.
 */
function checkAdvancedConfiguration(scope: Scope, lb: LoadBalancer, targetType: string, targets: LoadBalancerTargets, strategy: string) {
  const adv = lb.advancedConfiguration;
  const words = strategy === "BLUE_GREEN" ? "blue/green" : strategy.toLowerCase();
  if (!adv) throw clientException(`advancedConfiguration field is required for all loadBalancers when using the ${words} deployment strategy`);
  if (!adv.alternateTargetGroupArn) throw invalidParameter("alternateTargetGroupArn must be specified in advancedConfiguration.");
  if (!adv.productionListenerRule) throw invalidParameter("productionListenerRule must be specified in advancedConfiguration.");
  if (adv.alternateTargetGroupArn === lb.targetGroupArn) throw invalidParameter("alternateTargetGroupArn must be different from targetGroupArn.");
  const alt = targets.targetGroup(scope, adv.alternateTargetGroupArn);
  if (!alt) throw invalidParameter(`Unable to find the target group with targetGroupArn ${adv.alternateTargetGroupArn}.`);
  if (alt.targetType !== targetType) throw invalidParameter(`The provided target group ${adv.alternateTargetGroupArn} has target type ${alt.targetType}, which is incompatible with the network mode specified in the task definition.`);
  for (const rule of [adv.productionListenerRule, adv.testListenerRule]) {
    if (rule === undefined) continue;
    const forwards = targets.listenerRule(scope, rule);
    if (!forwards) throw invalidParameter(`Unable to find the listener rule ${rule}.`);
    const groups = new Set(forwards.map((f) => f.targetGroupArn));
    if (!groups.has(lb.targetGroupArn!) || !groups.has(adv.alternateTargetGroupArn)) {
      throw invalidParameter(`The listener rule ${rule} must forward to both the target group ${lb.targetGroupArn} and the alternate target group ${adv.alternateTargetGroupArn}.`);
    }
  }
}
