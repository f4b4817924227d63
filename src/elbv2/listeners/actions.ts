import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import type { StoredLoadBalancer } from "../load-balancers/load-balancer-store.js";
import { findTargetGroup } from "../target-groups/target-group-store.js";
import { incompatibleProtocols, targetGroupAssociationLimit, targetGroupNotFound, tooManyActions, tooManyTargetGroups, validation } from "../errors.js";
import { targetGroupUsers } from "./listener-store.js";

const TERMINAL = ["forward", "redirect", "fixed-response"];
/** Which target group protocols each listener protocol can forward to. */
const FORWARDS_TO: Record<string, string[]> = {
  HTTP: ["HTTP", "HTTPS"], HTTPS: ["HTTP", "HTTPS"], TCP: ["TCP", "TCP_UDP"], UDP: ["UDP", "TCP_UDP"], TCP_UDP: ["TCP_UDP"], TLS: ["TCP", "TLS"],
};

/**
 * A listener's or rule's actions, checked as ELBv2 does, and returned as AWS shows them
 * (a single-target forward also as a ForwardConfig, redirects with their #{...} defaults).
 */
export function checkActions(db: Db, scope: Scope, lb: StoredLoadBalancer, listenerProtocol: string, actions: Action[]): Action[] {
  if (actions.length === 0) throw validation("At least one action must be specified");
  const unsupported = actions.find((a) => !TERMINAL.includes(a.Type!));
  if (unsupported) throw validation(`Action type '${unsupported.Type}' is not supported by Berth; use forward, redirect or fixed-response`);
  if (actions.length > 1) throw tooManyActions("A rule or listener can have only one action of type forward, redirect or fixed-response");
  const network = lb.doc.Type === "network";
  return actions.map((action, i) => {
    const order = action.Order ?? i + 1;
    if (action.Type !== "forward" && network) throw validation(`Action type '${action.Type}' is not supported for network load balancers`);
    if (action.Type === "redirect") {
      const r = action.RedirectConfig;
      if (!r?.StatusCode) throw validation("A redirect action must have a redirect configuration with a status code");
      return { Type: "redirect", Order: order, RedirectConfig: { Protocol: "#{protocol}", Port: "#{port}", Host: "#{host}", Path: "/#{path}", Query: "#{query}", ...r } };
    }
    if (action.Type === "fixed-response") {
      if (!action.FixedResponseConfig?.StatusCode) throw validation("A fixed-response action must have a fixed-response configuration with a status code");
      return { Type: "fixed-response", Order: order, FixedResponseConfig: action.FixedResponseConfig };
    }
    const weighted = action.ForwardConfig?.TargetGroups ?? [];
    if (action.TargetGroupArn && weighted.length && !(weighted.length === 1 && weighted[0]!.TargetGroupArn === action.TargetGroupArn)) {
      throw validation("You cannot specify both a target group ARN and a forward configuration with other target groups");
    }
    const groups = weighted.length ? weighted : action.TargetGroupArn ? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }] : [];
    if (groups.length === 0) throw validation("A forward action must specify a target group ARN or a forward configuration");
    if (groups.length > (network ? 1 : 5)) throw tooManyTargetGroups(`A forward action can have at most ${network ? 1 : 5} target groups`);
    // The API reference's ranges (TargetGroupTuple, TargetGroupStickinessConfig); the model has none.
    const badWeight = groups.find((g) => g.Weight !== undefined && !(Number.isInteger(g.Weight) && g.Weight >= 0 && g.Weight <= 999));
    if (badWeight) throw validation(`Target group weight '${badWeight.Weight}' must be an integer from 0 to 999`);
    const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig;
    if (stickiness?.Enabled) {
      const seconds = stickiness.DurationSeconds;
      if (seconds === undefined) throw validation("A duration must be specified when target group stickiness is enabled");
      if (!(Number.isInteger(seconds) && seconds >= 1 && seconds <= 604800)) throw validation(`Target group stickiness duration '${seconds}' must be from 1 to 604800 seconds`);
    }
    const users = targetGroupUsers(db);
    const elsewhere: string[] = [];
    for (const g of groups) {
      const tg = g.TargetGroupArn === undefined ? undefined : findTargetGroup(db, scope, g.TargetGroupArn);
      if (!tg) throw targetGroupNotFound(`Target group '${g.TargetGroupArn ?? ""}' not found`);
      if (!FORWARDS_TO[listenerProtocol]?.includes(tg.doc.Protocol!)) {
        throw incompatibleProtocols(`The target group '${tg.doc.TargetGroupArn}' has protocol '${tg.doc.Protocol}', which is incompatible with the listener protocol '${listenerProtocol}'`);
      }
      // A group of instance or IP targets serves one load balancer.
      const others = [...(users.get(tg.doc.TargetGroupArn!) ?? [])].filter((arn) => arn !== lb.doc.LoadBalancerArn);
      if (others.length) elsewhere.push(tg.doc.TargetGroupArn!);
    }
    if (elsewhere.length) throw targetGroupAssociationLimit(elsewhere);
    const forwardConfig = { ...action.ForwardConfig, TargetGroups: groups.map((g) => ({ TargetGroupArn: g.TargetGroupArn, Weight: g.Weight ?? 1 })) };
    return { Type: "forward", Order: order, ...(groups.length === 1 ? { TargetGroupArn: groups[0]!.TargetGroupArn } : {}), ForwardConfig: forwardConfig };
  });
}
