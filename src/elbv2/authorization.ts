import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";

const member = (name: string) => ({ str }: AuthorizedCall) => [str(name) ?? "*"];
const members = (name: string) => ({ list }: AuthorizedCall) => list(name);
const on = (resources: (call: AuthorizedCall) => string[], ops: string[]) => Object.fromEntries(ops.map((op) => [op, resources]));

/**
 * Elastic Load Balancing v2 (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html):
 * actions on a load balancer, target group, listener or rule are authorized on its ARN. A create
 * is authorized before the new resource's id exists: on `loadbalancer/app/NAME/*` and
 * `targetgroup/NAME/*`, which every pattern a policy can write for that name matches. Describe*
 * calls are on "*", as in AWS (they support no resource-level permissions).
 */
export const elbv2Authorization: ServiceAuthorization = {
  arnService: "elasticloadbalancing",
  resources: {
    CreateLoadBalancer: ({ arn, str }) => [arn(`loadbalancer/${str("Type") === "network" ? "net" : "app"}/${str("Name") ?? ""}/*`)],
    CreateTargetGroup: ({ arn, str }) => [arn(`targetgroup/${str("Name") ?? ""}/*`)],
    ...on(member("LoadBalancerArn"), ["DeleteLoadBalancer", "ModifyLoadBalancerAttributes", "SetIpAddressType", "SetSecurityGroups", "SetSubnets", "CreateListener",
      "ModifyCapacityReservation", "ModifyIpPools"]),
    ...on(member("TargetGroupArn"), ["DeleteTargetGroup", "ModifyTargetGroup", "ModifyTargetGroupAttributes", "RegisterTargets", "DeregisterTargets"]),
    ...on(member("ListenerArn"), ["DeleteListener", "ModifyListener", "ModifyListenerAttributes", "CreateRule", "AddListenerCertificates", "RemoveListenerCertificates"]),
    ...on(member("RuleArn"), ["DeleteRule", "ModifyRule"]),
    SetRulePriorities: ({ input }) => (Array.isArray(input["RulePriorities"]) ? input["RulePriorities"] : [])
      .map((p) => (p as { RuleArn?: unknown }).RuleArn).filter((a): a is string => typeof a === "string"),
    ...on(members("ResourceArns"), ["AddTags", "RemoveTags"]),
  },
};
