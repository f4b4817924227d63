import type {
  CreateTargetGroupInput, DeleteTargetGroupInput, DescribeTargetGroupAttributesInput, DescribeTargetGroupsInput,
  ModifyTargetGroupAttributesInput, ModifyTargetGroupInput, TargetGroup,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Handler } from "../../aws/service.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import type { Elbv2Deps } from "../deps.js";
import { duplicateTargetGroupName, resourceInUse, targetGroupNotFound, validation } from "../errors.js";
import { newElbId, targetGroupArn } from "../ids.js";
import { checkName } from "../names.js";
import { page } from "../pagination.js";
import { addTags, checkTags, dropTags } from "../tags/tag-store.js";
import { applyAttributes, asAttributes, defaultsOf } from "../attributes.js";
import { applyHealthCheck, checkHealthCheckEnabled, defaultHealthCheck } from "./health-check.js";
import { checkTargetGroupAttributes, targetGroupAttributeSpec } from "./target-group-attributes.js";
import { deleteTargetGroupRow, findTargetGroup, findTargetGroupByName, listTargetGroups, saveTargetGroup, type StoredTargetGroup } from "./target-group-store.js";
import { targetGroupUsers } from "../listeners/listener-store.js";
import { requireLoadBalancer } from "../load-balancers/load-balancers.js";

const PROTOCOLS = ["HTTP", "HTTPS", "TCP", "UDP", "TCP_UDP", "TLS"];

export function requireTargetGroup(db: Db, scope: Scope, arn: string | undefined): StoredTargetGroup {
  const tg = arn === undefined ? undefined : findTargetGroup(db, scope, arn);
  if (!tg) throw targetGroupNotFound();
  return tg;
}

/** The document as Describe shows it: LoadBalancerArns from the listeners and rules that forward to it. */
export function presentTargetGroup(tg: StoredTargetGroup, users: Map<string, Set<string>>): TargetGroup {
  return { ...tg.doc, LoadBalancerArns: [...(users.get(tg.doc.TargetGroupArn!) ?? [])] };
}

const sameSettings = (a: TargetGroup, b: TargetGroup) =>
  (["Protocol", "Port", "VpcId", "TargetType", "ProtocolVersion", "HealthCheckProtocol", "HealthCheckPort", "HealthCheckPath", "HealthCheckIntervalSeconds",
    "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount"] as const).every((k) => a[k] === b[k]) &&
  a.Matcher?.HttpCode === b.Matcher?.HttpCode;

export function targetGroupHandlers({ db }: Elbv2Deps): Record<string, Handler> {
  return {
    CreateTargetGroup: (input: CreateTargetGroupInput, ctx: RequestContext) => {
      const name = input.Name!;
      checkName("Target group", name);
      const targetType = input.TargetType ?? "instance";
      if (targetType !== "instance" && targetType !== "ip") throw validation(`Target type '${targetType}' is not supported by Berth; use instance or ip`);
      if (input.Protocol === undefined) throw validation("A protocol must be specified");
      if (!PROTOCOLS.includes(input.Protocol)) throw validation(`Protocol '${input.Protocol}' is not supported by Berth for target groups`);
      if (input.Port === undefined) throw validation("A port must be specified");
      if (input.VpcId === undefined) throw validation("A VPC ID must be specified");
      const http = input.Protocol === "HTTP" || input.Protocol === "HTTPS";
      if (input.ProtocolVersion !== undefined && !http) throw validation(`Protocol version '${input.ProtocolVersion}' can be specified only for HTTP and HTTPS target groups`);
      if (input.ProtocolVersion !== undefined && !["HTTP1", "HTTP2", "GRPC"].includes(input.ProtocolVersion)) throw validation(`Protocol version '${input.ProtocolVersion}' must be HTTP1, HTTP2 or GRPC`);
      checkTags(input.Tags);
      checkHealthCheckEnabled(targetType, input.HealthCheckEnabled);
      const healthCheck = applyHealthCheck(input.Protocol, defaultHealthCheck(input.Protocol), {
        HealthCheckEnabled: input.HealthCheckEnabled, HealthCheckProtocol: input.HealthCheckProtocol, HealthCheckPort: input.HealthCheckPort,
        HealthCheckPath: input.HealthCheckPath, HealthCheckIntervalSeconds: input.HealthCheckIntervalSeconds, HealthCheckTimeoutSeconds: input.HealthCheckTimeoutSeconds,
        HealthyThresholdCount: input.HealthyThresholdCount, UnhealthyThresholdCount: input.UnhealthyThresholdCount, Matcher: input.Matcher,
      });
      const doc: TargetGroup = {
        TargetGroupArn: targetGroupArn(ctx, name, newElbId()),
        TargetGroupName: name,
        Protocol: input.Protocol,
        Port: input.Port,
        VpcId: input.VpcId,
        ...healthCheck,
        TargetType: targetType,
        ...(http ? { ProtocolVersion: input.ProtocolVersion ?? "HTTP1" } : {}),
        IpAddressType: input.IpAddressType ?? "ipv4",
      };
      return db.transaction(() => {
        const existing = findTargetGroupByName(db, ctx, name);
        // As on AWS, creating a target group that exists with the same settings returns it.
        if (existing) {
          if (!sameSettings(existing.doc, doc)) throw duplicateTargetGroupName(name);
          return { TargetGroups: [presentTargetGroup(existing, targetGroupUsers(db))] };
        }
        saveTargetGroup(db, ctx, { doc, attributes: defaultsOf(targetGroupAttributeSpec(doc.Protocol, targetType)) });
        addTags(db, doc.TargetGroupArn!, input.Tags);
        return { TargetGroups: [{ ...doc, LoadBalancerArns: [] }] };
      })();
    },

    DescribeTargetGroups: (input: DescribeTargetGroupsInput, ctx: RequestContext) => {
      const arns = input.TargetGroupArns ?? [];
      const names = input.Names ?? [];
      if ([arns.length > 0, names.length > 0, input.LoadBalancerArn !== undefined].filter(Boolean).length > 1) {
        throw validation("A load balancer ARN, target group ARNs and target group names cannot be specified together");
      }
      const users = targetGroupUsers(db);
      let found: StoredTargetGroup[];
      if (arns.length) {
        found = arns.map((arn) => requireTargetGroup(db, ctx, arn));
      } else if (names.length) {
        const missing = names.filter((n) => !findTargetGroupByName(db, ctx, n));
        if (missing.length) throw targetGroupNotFound(`Target groups '[${missing.join(", ")}]' not found`);
        found = names.map((n) => findTargetGroupByName(db, ctx, n)!);
      } else if (input.LoadBalancerArn !== undefined) {
        const lbArn = requireLoadBalancer(db, ctx, input.LoadBalancerArn).doc.LoadBalancerArn!;
        found = listTargetGroups(db, ctx).filter((tg) => users.get(tg.doc.TargetGroupArn!)?.has(lbArn));
      } else {
        found = listTargetGroups(db, ctx);
      }
      const { items, NextMarker } = page(found, input);
      return { TargetGroups: items.map((tg) => presentTargetGroup(tg, users)), NextMarker };
    },

    ModifyTargetGroup: (input: ModifyTargetGroupInput, ctx: RequestContext) =>
      db.transaction(() => {
        const tg = requireTargetGroup(db, ctx, input.TargetGroupArn);
        const { TargetGroupArn: _arn, ...changes } = input;
        checkHealthCheckEnabled(tg.doc.TargetType!, changes.HealthCheckEnabled);
        const doc = { ...tg.doc, ...applyHealthCheck(tg.doc.Protocol!, tg.doc, changes) };
        saveTargetGroup(db, ctx, { ...tg, doc });
        return { TargetGroups: [presentTargetGroup({ ...tg, doc }, targetGroupUsers(db))] };
      })(),

    DeleteTargetGroup: (input: DeleteTargetGroupInput, ctx: RequestContext) =>
      db.transaction(() => {
        // Deleting a target group that does not exist succeeds (the model declares no not-found error).
        const tg = findTargetGroup(db, ctx, input.TargetGroupArn!);
        if (!tg) return {};
        if (targetGroupUsers(db).has(tg.doc.TargetGroupArn!)) throw resourceInUse(`Target group '${tg.doc.TargetGroupArn}' is currently in use by a listener or a rule`);
        dropTags(db, tg.doc.TargetGroupArn!);
        deleteTargetGroupRow(db, tg.doc.TargetGroupArn!);
        return {};
      })(),

    DescribeTargetGroupAttributes: (input: DescribeTargetGroupAttributesInput, ctx: RequestContext) => ({
      Attributes: asAttributes(requireTargetGroup(db, ctx, input.TargetGroupArn).attributes),
    }),

    ModifyTargetGroupAttributes: (input: ModifyTargetGroupAttributesInput, ctx: RequestContext) =>
      db.transaction(() => {
        const tg = requireTargetGroup(db, ctx, input.TargetGroupArn);
        const attributes = applyAttributes(tg.attributes, input.Attributes ?? [], targetGroupAttributeSpec(tg.doc.Protocol, tg.doc.TargetType), "Target group");
        checkTargetGroupAttributes(attributes);
        saveTargetGroup(db, ctx, { ...tg, attributes });
        return { Attributes: asAttributes(attributes) };
      })(),
  };
}
