import type { DependentAction } from "./service-authorization.js";

/**
 * The service principals roles are handed to, as `iam:PassedToService` names them: ECS tasks
 * (task and execution roles), ECS itself (service, infrastructure, lifecycle-hook and volume
 * roles), EventBridge and Scheduler (target and rule roles), Application Auto Scaling.
 */
export const PASSED_TO = {
  ecsTasks: "ecs-tasks.amazonaws.com",
  ecs: "ecs.amazonaws.com",
  events: "events.amazonaws.com",
  scheduler: "scheduler.amazonaws.com",
  applicationAutoScaling: "application-autoscaling.amazonaws.com",
} as const;

/** A role named by ARN or, as ECS takes task and service roles, by name (`path/name` too) in `account`. */
export const roleArnOf = (ref: string, account: string): string => (ref.startsWith("arn:") ? ref : `arn:aws:iam::${account}:role/${ref.replace(/^\/+/, "")}`);

/**
 * iam:PassRole of each role a call hands to a service, evaluated with `iam:PassedToService` naming
 * that service: a service's authorization table declares these as dependent actions of the calls
 * that hand roles over (src/iam/authorize.ts refuses the whole call, with the service's own
 * refusal, when the caller may not pass one), and EventBridge's target-role gate asks them of a
 * target's role at delivery. A role given by name is its account's (`account`). Each role is asked
 * once, however often the call names it. AWS adds `iam:AssociatedResourceArn` only for the
 * services that document it (EC2 and a few others), none of which Berth serves, so it is not set.
 */
export function passRoles(service: string, roles: Array<string | undefined>, account?: string): DependentAction[] {
  const arns = roles.filter((r): r is string => typeof r === "string" && r !== "").map((r) => (account === undefined ? r : roleArnOf(r, account)));
  return [...new Set(arns)].map((role) => ({ action: "iam:PassRole", resource: role, context: { "iam:PassedToService": service } }));
}
