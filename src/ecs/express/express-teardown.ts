import type { RequestContext } from "../../aws/request-context.js";
import { ServiceError } from "../../core/errors.js";
import type { Db } from "../../store/database.js";
import { findService } from "../services/service-store.js";
import type { StoredExpressService } from "./express-gateway-store.js";
import { expressServices } from "./express-gateway-store.js";
import { findSharedLoadBalancer, forgetSharedLoadBalancer, type SharedLoadBalancer } from "./express-load-balancers.js";

/** A call to one API's handler, its errors as that API answers them. */
export type RawCall = <T>(api: "ecs" | "elbv2" | "autoScaling" | "cloudwatch" | "logs", op: string, input: object, ctx: RequestContext) => Promise<T>;

/** Errors that mean "already gone": a teardown step that meets one has nothing left to do. */
const GONE = new Set([
  "LoadBalancerNotFoundException", "TargetGroupNotFoundException", "RuleNotFoundException", "ListenerNotFoundException",
  "ObjectNotFoundException", "ServiceNotFoundException", "ServiceNotActiveException", "ClusterNotFoundException",
]);
const quietly = async (p: Promise<unknown>): Promise<void> => {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ServiceError && GONE.has(err.code))) throw err;
  }
};

/**
 * Removes what was made for an express service, each step idempotent so that a teardown a kill -9
 * interrupted can run again: scaling first (no policy raises the count of a service being
 * stopped), the ECS service, its rollback alarm, its host rule, its two target groups, and the
 * shared load balancer once no other express service uses it. With `undoCreate` (a create that
 * failed or was cut short) also the task definition revisions it registered, the log group and
 * the cluster it made. Resources whose ARN
 * was not stored yet (a kill -9 right after their creation) are found by the names chosen before.
 */
export async function tearDown(db: Db, raw: RawCall, e: StoredExpressService, ctx: RequestContext, { undoCreate = false } = {}): Promise<void> {
  const r = e.resources;
  await quietly(raw("autoScaling", "DeregisterScalableTarget", { ServiceNamespace: "ecs", ResourceId: r.scalableResourceId, ScalableDimension: "ecs:service:DesiredCount" }, ctx));
  const svc = findService(db, e.serviceArn)?.service;
  // Only this express service's ECS service: a create cut short made it at or after the intent.
  const ours = svc && (e.serviceCreatedAt ? new Date(svc.createdAt!).toISOString() === e.serviceCreatedAt : new Date(svc.createdAt!).getTime() >= e.createdAt.getTime());
  if (svc?.status === "ACTIVE" && ours) await quietly(raw("ecs", "DeleteService", { cluster: e.clusterArn, service: e.serviceArn, force: true }, ctx));
  // The rollback alarm once the service that names it is gone (DeleteAlarms skips a name that is no alarm).
  if (r.alarmName) await raw("cloudwatch", "DeleteAlarms", { AlarmNames: [r.alarmName] }, ctx);

  const groups = await targetGroupArns(raw, e, ctx);
  const listenerArn = r.listenerArn ?? findSharedLoadBalancer(db, e.scope, r.loadBalancerName)?.listenerArn;
  if (r.ruleArn) await quietly(raw("elbv2", "DeleteRule", { RuleArn: r.ruleArn }, ctx));
  if (listenerArn && groups.length && r.loadBalancerName) {
    // A rule made just before a kill -9 (its ARN not stored): the one forwarding to these target groups.
    const rules = await raw<{ Rules: { RuleArn: string; IsDefault: boolean; Actions: { ForwardConfig?: { TargetGroups?: { TargetGroupArn: string }[] } }[] }[] }>(
      "elbv2", "DescribeRules", { ListenerArn: listenerArn }, ctx).catch(() => ({ Rules: [] }));
    for (const rule of rules.Rules) {
      const forwards = rule.Actions.flatMap((a) => a.ForwardConfig?.TargetGroups ?? []).map((g) => g.TargetGroupArn);
      if (!rule.IsDefault && forwards.some((g) => groups.includes(g))) await quietly(raw("elbv2", "DeleteRule", { RuleArn: rule.RuleArn }, ctx));
    }
  }
  for (const arn of groups) await quietly(raw("elbv2", "DeleteTargetGroup", { TargetGroupArn: arn }, ctx));
  // A service made before load balancers were shared has an ALB of its own.
  if (!r.loadBalancerName && r.loadBalancerArn) await quietly(raw("elbv2", "DeleteLoadBalancer", { LoadBalancerArn: r.loadBalancerArn }, ctx));

  if (undoCreate) {
    await deregisterRevisions(raw, e, ctx);
    // The log group the create made (a Delete keeps it: its logs outlive the service).
    if (r.logGroupMade) {
      await raw("logs", "DeleteLogGroup", { logGroupName: r.logGroupName }, ctx).catch((err: unknown) => {
        if (!(err instanceof ServiceError && err.code === "ResourceNotFoundException")) throw err;
      });
    }
    if (r.createdCluster) await quietly(raw("ecs", "DeleteCluster", { cluster: e.clusterArn }, ctx).catch((err: unknown) => ctx.log.warn({ err }, "the cluster an express service made is kept: it is in use")));
  }
}

/** The service's target groups, by stored ARN or else by the names chosen before they were made. */
async function targetGroupArns(raw: RawCall, e: StoredExpressService, ctx: RequestContext): Promise<string[]> {
  const r = e.resources;
  const known = [r.targetGroupArn, r.alternateTargetGroupArn].filter((a): a is string => a !== undefined);
  if (known.length === 2 || !r.targetGroupNames) return known;
  const found: string[] = [...known];
  for (const name of r.targetGroupNames) {
    const out = await raw<{ TargetGroups: { TargetGroupArn: string }[] }>("elbv2", "DescribeTargetGroups", { Names: [name] }, ctx).catch(() => ({ TargetGroups: [] }));
    for (const g of out.TargetGroups) if (!found.includes(g.TargetGroupArn)) found.push(g.TargetGroupArn);
  }
  return found;
}

/** The revisions a create cut short registered: the family's ACTIVE ones registered since its intent. */
async function deregisterRevisions(raw: RawCall, e: StoredExpressService, ctx: RequestContext): Promise<void> {
  const family = e.resources.taskDefinitionFamily;
  const list = await raw<{ taskDefinitionArns: string[] }>("ecs", "ListTaskDefinitions", { familyPrefix: family, status: "ACTIVE" }, ctx);
  for (const arn of list.taskDefinitionArns) {
    if (arn.split("/").at(-1)!.split(":")[0] !== family) continue;
    const def = await raw<{ taskDefinition: { registeredAt?: Date | number } }>("ecs", "DescribeTaskDefinition", { taskDefinition: arn }, ctx);
    const at = def.taskDefinition.registeredAt;
    if (at !== undefined && new Date(at).getTime() >= e.createdAt.getTime()) await quietly(raw("ecs", "DeregisterTaskDefinition", { taskDefinition: arn }, ctx));
  }
}

/** The express services (not yet gone) that use a shared load balancer. */
export function usersOf(db: Db, lb: SharedLoadBalancer): StoredExpressService[] {
  return expressServices(db, lb.scope).filter((e) => e.resources.loadBalancerName === lb.name && e.state !== "DELETED");
}

/** Deletes a shared load balancer (and its listener) that no express service uses any more. */
export async function releaseLoadBalancer(db: Db, raw: RawCall, lb: SharedLoadBalancer, ctx: RequestContext): Promise<void> {
  if (usersOf(db, lb).length) return;
  const arn = lb.loadBalancerArn ?? (await raw<{ LoadBalancers: { LoadBalancerArn: string }[] }>("elbv2", "DescribeLoadBalancers", { Names: [lb.name] }, ctx)
    .catch(() => ({ LoadBalancers: [] }))).LoadBalancers[0]?.LoadBalancerArn;
  if (arn) await quietly(raw("elbv2", "DeleteLoadBalancer", { LoadBalancerArn: arn }, ctx));
  forgetSharedLoadBalancer(db, lb.name);
}
