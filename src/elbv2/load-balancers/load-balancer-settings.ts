import type { SetIpAddressTypeInput, SetSecurityGroupsInput, SetSubnetsInput } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Handler } from "../../aws/service.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Elbv2Deps } from "../deps.js";
import { invalidConfiguration, validation } from "../errors.js";
import { saveLoadBalancer } from "./load-balancer-store.js";
import { checkSecurityGroups, requireLoadBalancer, zonesFor } from "./load-balancers.js";

const IP_ADDRESS_TYPES = ["ipv4", "dualstack", "dualstack-without-public-ipv4"];

/**
 * A load balancer's network settings after creation: security groups, subnets and IP address
 * type, as Terraform and the console change them. Berth records them (its load balancers have one
 * loopback address whatever they say), so each call only checks and stores.
 */
export function loadBalancerSettingsHandlers({ db, config }: Elbv2Deps): Record<string, Handler> {
  const zones = config.availabilityZones.split(",");
  return {
    SetSecurityGroups: (input: SetSecurityGroupsInput, ctx: RequestContext) =>
      db.transaction(() => {
        const lb = requireLoadBalancer(db, ctx, input.LoadBalancerArn);
        const groups = [...new Set(input.SecurityGroups ?? [])];
        checkSecurityGroups(groups);
        const network = lb.doc.Type === "network";
        // An NLB created without security groups can never have any, as on AWS.
        if (network && !lb.doc.SecurityGroups?.length && groups.length) {
          throw invalidConfiguration("Security groups cannot be added to a Network Load Balancer that was created without security groups");
        }
        if (!network && groups.length === 0) throw validation("An Application Load Balancer must have at least one security group");
        const enforce = input.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic;
        if (enforce !== undefined && !network) throw validation("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic applies only to Network Load Balancers");
        const doc = {
          ...lb.doc,
          SecurityGroups: groups.length ? groups : undefined,
          ...(network && groups.length ? { EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: enforce ?? lb.doc.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic ?? "on" } : {}),
        };
        saveLoadBalancer(db, ctx, { ...lb, doc });
        return { SecurityGroupIds: groups, ...(network && groups.length ? { EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: doc.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic } : {}) };
      })(),

    SetSubnets: (input: SetSubnetsInput, ctx: RequestContext) =>
      db.transaction(() => {
        const lb = requireLoadBalancer(db, ctx, input.LoadBalancerArn);
        if (input.IpAddressType !== undefined && !IP_ADDRESS_TYPES.includes(input.IpAddressType)) throw validation(`IP address type '${input.IpAddressType}' is not valid`);
        const AvailabilityZones = zonesFor({ Subnets: input.Subnets, SubnetMappings: input.SubnetMappings, Type: lb.doc.Type }, zones, lb.address);
        const IpAddressType = input.IpAddressType ?? lb.doc.IpAddressType;
        saveLoadBalancer(db, ctx, { ...lb, doc: { ...lb.doc, AvailabilityZones, IpAddressType } });
        return { AvailabilityZones, IpAddressType };
      })(),

    SetIpAddressType: (input: SetIpAddressTypeInput, ctx: RequestContext) =>
      db.transaction(() => {
        const lb = requireLoadBalancer(db, ctx, input.LoadBalancerArn);
        if (!IP_ADDRESS_TYPES.includes(input.IpAddressType!)) throw validation(`IP address type '${input.IpAddressType}' is not valid`);
        saveLoadBalancer(db, ctx, { ...lb, doc: { ...lb.doc, IpAddressType: input.IpAddressType } });
        return { IpAddressType: input.IpAddressType };
      })(),
  };
}
