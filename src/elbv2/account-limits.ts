import type { DescribeAccountLimitsInput } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Handler } from "../aws/service.js";
import { page } from "./pagination.js";

/** AWS's default quotas (Elastic Load Balancing quotas), reported as AWS reports them; Berth enforces few of them. */
const LIMITS: Array<[string, number]> = [
  ["application-load-balancers", 50], ["listeners-per-application-load-balancer", 50], ["listeners-per-network-load-balancer", 50],
  ["network-load-balancers", 50], ["target-groups", 3000], ["targets-per-application-load-balancer", 1000],
  ["targets-per-network-load-balancer", 3000], ["rules-per-application-load-balancer", 100], ["condition-values-per-alb-rule", 5],
  ["condition-wildcards-per-alb-rule", 5], ["target-groups-per-application-load-balancer", 100],
  ["target-groups-per-action-on-application-load-balancer", 5], ["target-groups-per-action-on-network-load-balancer", 1],
  ["certificates-per-application-load-balancer", 25], ["certificates-per-network-load-balancer", 25],
  ["targets-per-target-group", 1000], ["target-id-registrations-per-application-load-balancer", 1000],
];

export const describeAccountLimits: Handler = (input: DescribeAccountLimitsInput) => {
  const { items, NextMarker } = page(LIMITS, input);
  return { Limits: items.map(([Name, Max]) => ({ Name, Max: String(Max) })), NextMarker };
};
