import type { ECSManagedResources, ManagedResourceStatus } from "@aws-sdk/client-ecs";
import type { StoredExpressService } from "./express-gateway-store.js";
import type { SharedLoadBalancer } from "./express-load-balancers.js";
import { groupArn } from "../../logs/log-groups.js";

/** What the service's record alone does not say. */
export interface ManagedResourceContext {
  /** The shared load balancer the service's rule is on (absent: gone, or a service of before sharing). */
  loadBalancer?: SharedLoadBalancer;
  /** The ALB's subnets as made (the defaults when the request named fewer than two). */
  loadBalancerSubnets: string[];
  certificateArn: string;
  /** Whether the log group still exists (Delete keeps it). */
  logGroupExists: boolean;
}

/**
 * A service's own resources follow its state: made while it is created, there while it is, going
 * while it is deleted, gone after.
 */
function statusOf(e: StoredExpressService): ManagedResourceStatus {
  switch (e.state) {
    case "CREATING": return "PROVISIONING";
    case "DELETING": return "DEPROVISIONING";
    case "DELETED": return "DELETED";
    default: return "ACTIVE";
  }
}

/**
 * ServiceRevision.ecsManagedResources for an express service: the ARNs of what Berth made for it
 * in the other APIs, as recorded when each was made. The shared load balancer and its listener are
 * ACTIVE while any service still uses them; the log group while it exists.
 */
export function managedResourcesOf(e: StoredExpressService, c: ManagedResourceContext): ECSManagedResources {
  const r = e.resources;
  const updatedAt = e.updatedAt;
  const own = statusOf(e);
  const config = e.configurations.at(-1)!;
  const shared: ManagedResourceStatus = c.loadBalancer?.state === "ACTIVE" ? "ACTIVE" : own === "ACTIVE" || own === "PROVISIONING" ? own : "DELETED";
  const port = config.primaryContainer!.containerPort!;
  const https = c.loadBalancer?.protocol === "HTTPS";
  const scaling = config.scalingTarget!;
  return {
    ingressPaths: [{
      accessType: "PUBLIC", endpoint: r.endpoint,
      ...(r.loadBalancerArn ? {
        loadBalancer: {
          arn: r.loadBalancerArn, scheme: "internet-facing", subnetIds: c.loadBalancerSubnets, securityGroupIds: c.loadBalancer?.securityGroups ?? [],
          status: shared, updatedAt,
        },
      } : {}),
      ...(r.listenerArn ? { listener: { arn: r.listenerArn, status: shared, updatedAt } } : {}),
      ...(r.ruleArn ? { rule: { arn: r.ruleArn, status: own, updatedAt } } : {}),
      targetGroups: [r.targetGroupArn, r.alternateTargetGroupArn].filter((a): a is string => a !== undefined)
        .map((arn) => ({ arn, port, healthCheckPath: config.healthCheckPath!, healthCheckPort: port, status: own, updatedAt })),
      ...(https ? { certificate: { arn: c.certificateArn, domainName: `*.ecs.${e.scope.region}.on.aws`, status: shared, updatedAt } } : {}),
    }],
    autoScaling: {
      scalableTarget: { ...(r.scalableTargetArn ? { arn: r.scalableTargetArn } : {}), minCapacity: scaling.minTaskCount!, maxCapacity: scaling.maxTaskCount!, status: own, updatedAt },
      applicationAutoScalingPolicies: [{
        ...(r.scalingPolicyArn ? { arn: r.scalingPolicyArn } : {}), policyType: "TargetTrackingScaling",
        metric: scaling.autoScalingMetric!, targetValue: scaling.autoScalingTargetValue!, status: own, updatedAt,
      }],
    },
    ...(r.logGroupName ? {
      logGroups: [{
        arn: groupArn(e.scope, r.logGroupName), logGroupName: r.logGroupName,
        status: c.logGroupExists ? "ACTIVE" : own === "PROVISIONING" ? own : "DELETED", updatedAt,
      }],
    } : {}),
    ...(r.alarmName ? { metricAlarms: [{ ...(r.alarmArn ? { arn: r.alarmArn } : {}), status: own, updatedAt }] } : {}),
  };
}
