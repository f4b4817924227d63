import { randomInt } from "node:crypto";
import type {
  AvailabilityZone, CreateLoadBalancerInput, DeleteLoadBalancerInput, DescribeLoadBalancerAttributesInput, DescribeLoadBalancersInput,
  LoadBalancer, ModifyLoadBalancerAttributesInput,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Handler } from "../../aws/service.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import type { Elbv2Deps } from "../deps.js";
import { ServiceError } from "../../core/errors.js";
import { duplicateLoadBalancerName, loadBalancerNotFound, operationNotPermitted, validation } from "../errors.js";
import { loadBalancerArn, newElbId } from "../ids.js";
import { checkName } from "../names.js";
import { page } from "../pagination.js";
import { addTags, checkTags, dropTags } from "../tags/tag-store.js";
import { applyAttributes, asAttributes, defaultsOf } from "../attributes.js";
import { allocateAddress } from "./addresses.js";
import { canonicalHostedZoneId } from "./hosted-zones.js";
import { loadBalancerAttributeSpec } from "./load-balancer-attributes.js";
import { deleteLoadBalancerRow, findLoadBalancer, findLoadBalancerByName, listLoadBalancers, saveLoadBalancer, type StoredLoadBalancer } from "./load-balancer-store.js";
import { listenersOf } from "../listeners/listener-store.js";
import { rulesOf } from "../rules/rule-store.js";

/** Berth has no VPCs: every load balancer is in this one, whatever subnets it names. */
export const BERTH_VPC = "vpc-berth";

/** The load balancer an ARN names in this account and region, or LoadBalancerNotFound. */
export function requireLoadBalancer(db: Db, scope: Scope, arn: string | undefined): StoredLoadBalancer {
  const lb = arn === undefined ? undefined : findLoadBalancer(db, scope, arn);
  if (!lb) throw loadBalancerNotFound();
  return lb;
}

/** The subnets a request names, each placed in one of the configured zones in turn (Berth's subnets are names only). */
export function zonesFor(input: Pick<CreateLoadBalancerInput, "Subnets" | "SubnetMappings" | "Type">, zones: string[], address: string): AvailabilityZone[] {
  if (input.Subnets?.length && input.SubnetMappings?.length) throw validation("You can specify subnets or subnet mappings, but not both");
  const subnets = input.Subnets?.length ? input.Subnets : (input.SubnetMappings ?? []).map((m) => m.SubnetId ?? "");
  for (const s of subnets) {
    if (!/^subnet-[0-9A-Za-z]+$/.test(s)) throw new ServiceError("SubnetNotFoundException", `The subnet ID '${s}' is not valid`);
  }
  const distinct = [...new Set(subnets)];
  if (input.Type !== "network" && distinct.length < 2) throw validation("At least two subnets in two different Availability Zones must be specified");
  if (distinct.length < 1) throw validation("At least one subnet must be specified");
  // The load balancer's one loopback address is where every zone's node answers.
  return distinct.map((SubnetId, i) => ({ ZoneName: zones[i % zones.length], SubnetId, LoadBalancerAddresses: [{ IpAddress: address }] }));
}

/** Security groups are recorded, never enforced (Berth has no VPC): only their shape is checked. */
export function checkSecurityGroups(groups: string[] | undefined): void {
  for (const sg of groups ?? []) {
    if (!/^sg-[0-9A-Za-z]+$/.test(sg)) throw new ServiceError("InvalidSecurityGroupException", `Invalid security group '${sg}'`);
  }
}

const sameSettings = (a: LoadBalancer, b: LoadBalancer) =>
  a.Type === b.Type && a.Scheme === b.Scheme && a.IpAddressType === b.IpAddressType &&
  JSON.stringify((a.AvailabilityZones ?? []).map((z) => z.SubnetId).sort()) === JSON.stringify((b.AvailabilityZones ?? []).map((z) => z.SubnetId).sort()) &&
  JSON.stringify([...(a.SecurityGroups ?? [])].sort()) === JSON.stringify([...(b.SecurityGroups ?? [])].sort());

/**
 * An active load balancer some of whose listeners serve nothing (another program holds their
 * address and port) says so as AWS's load balancers say they are degraded: State active_impaired,
 * with the reason. Berth's own use of that state (docs/compatibility.md).
 */
function withListenerTrouble(doc: LoadBalancer, unbound: string | undefined): LoadBalancer {
  if (!unbound || doc.State?.Code !== "active") return doc;
  return { ...doc, State: { Code: "active_impaired", Reason: `Some listeners serve nothing: another program holds their address and port (${unbound})` } };
}

export function loadBalancerHandlers({ db, clock, config, unboundListeners }: Elbv2Deps): Record<string, Handler> {
  const zones = config.availabilityZones.split(",");
  return {
    CreateLoadBalancer: (input: CreateLoadBalancerInput, ctx: RequestContext) => {
      const name = input.Name!;
      checkName("Load balancer", name);
      if (name.startsWith("internal-")) throw validation(`Load balancer name '${name}' cannot begin with 'internal-'`);
      const type = input.Type ?? "application";
      if (type !== "application" && type !== "network") throw validation(`Load balancer type '${type}' is not supported by Berth; use application or network`);
      checkSecurityGroups(input.SecurityGroups);
      checkTags(input.Tags);
      return db.transaction(() => {
        const address = allocateAddress(db, config.loadBalancerCidr);
        const kind = type === "network" ? "net" : "app";
        const scheme = input.Scheme ?? "internet-facing";
        // AWS's DNS names: NAME-<decimal id> for ALBs, NAME-<hex id> for NLBs, "internal-" first
        // for internal ones, under elb.localhost rather than elb.amazonaws.com (docs/compatibility.md).
        const dnsId = kind === "app" ? String(randomInt(1e9, 1e10 - 1)) : newElbId();
        const doc: LoadBalancer = {
          LoadBalancerArn: loadBalancerArn(ctx, kind, name, newElbId()),
          DNSName: `${scheme === "internal" ? "internal-" : ""}${name}-${dnsId}.${ctx.region}.elb.localhost`.toLowerCase(),
          CanonicalHostedZoneId: canonicalHostedZoneId(ctx.region, kind),
          CreatedTime: clock.now(),
          LoadBalancerName: name,
          Scheme: scheme,
          VpcId: BERTH_VPC,
          State: { Code: "provisioning" },
          Type: type,
          AvailabilityZones: zonesFor({ ...input, Type: type }, zones, address),
          SecurityGroups: input.SecurityGroups?.length ? input.SecurityGroups : undefined,
          IpAddressType: input.IpAddressType ?? "ipv4",
        };
        const existing = findLoadBalancerByName(db, ctx, name);
        // As on AWS, creating a load balancer that exists with the same settings returns it.
        if (existing) {
          if (!sameSettings(existing.doc, doc)) throw duplicateLoadBalancerName(name);
          return { LoadBalancers: [existing.doc] };
        }
        saveLoadBalancer(db, ctx, { doc, address, attributes: defaultsOf(loadBalancerAttributeSpec(type)) });
        addTags(db, doc.LoadBalancerArn!, input.Tags);
        // The answer says provisioning, as AWS's does; the load balancer is active at once after
        // (Berth provisions nothing: the data plane binds the address when it reads the state).
        saveLoadBalancer(db, ctx, { doc: { ...doc, State: { Code: "active" } }, address, attributes: defaultsOf(loadBalancerAttributeSpec(type)) });
        return { LoadBalancers: [doc] };
      })();
    },

    DescribeLoadBalancers: (input: DescribeLoadBalancersInput, ctx: RequestContext) => {
      const arns = input.LoadBalancerArns ?? [];
      const names = input.Names ?? [];
      if (arns.length && names.length) throw validation("Load balancer names and load balancer ARNs cannot be specified at the same time");
      let found: StoredLoadBalancer[];
      if (arns.length) {
        found = arns.map((arn) => requireLoadBalancer(db, ctx, arn));
      } else if (names.length) {
        const missing = names.filter((n) => !findLoadBalancerByName(db, ctx, n));
        if (missing.length) throw loadBalancerNotFound(`Load balancers '[${missing.join(", ")}]' not found`);
        found = names.map((n) => findLoadBalancerByName(db, ctx, n)!);
      } else {
        found = listLoadBalancers(db, ctx);
      }
      const { items, NextMarker } = page(found, input);
      return { LoadBalancers: items.map((lb) => withListenerTrouble(lb.doc, unboundListeners?.(lb.doc.LoadBalancerArn!))), NextMarker };
    },

    DeleteLoadBalancer: (input: DeleteLoadBalancerInput, ctx: RequestContext) =>
      db.transaction(() => {
        // As the API reference says: deleting a load balancer that does not exist succeeds.
        const lb = findLoadBalancer(db, ctx, input.LoadBalancerArn!);
        if (!lb) return {};
        if (lb.attributes["deletion_protection.enabled"] === "true") {
          throw operationNotPermitted(`Load balancer '${lb.doc.LoadBalancerArn}' cannot be deleted because deletion protection is enabled`);
        }
        for (const listener of listenersOf(db, lb.doc.LoadBalancerArn!)) {
          for (const rule of rulesOf(db, listener.ListenerArn!)) dropTags(db, rule.RuleArn!);
          dropTags(db, listener.ListenerArn!);
        }
        dropTags(db, lb.doc.LoadBalancerArn!);
        deleteLoadBalancerRow(db, lb.doc.LoadBalancerArn!);
        return {};
      })(),

    DescribeLoadBalancerAttributes: (input: DescribeLoadBalancerAttributesInput, ctx: RequestContext) => ({
      Attributes: asAttributes(requireLoadBalancer(db, ctx, input.LoadBalancerArn).attributes),
    }),

    ModifyLoadBalancerAttributes: (input: ModifyLoadBalancerAttributesInput, ctx: RequestContext) =>
      db.transaction(() => {
        const lb = requireLoadBalancer(db, ctx, input.LoadBalancerArn);
        const attributes = applyAttributes(lb.attributes, input.Attributes ?? [], loadBalancerAttributeSpec(lb.doc.Type), "Load balancer");
        saveLoadBalancer(db, ctx, { ...lb, attributes });
        return { Attributes: asAttributes(attributes) };
      })(),
  };
}
