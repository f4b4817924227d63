import type * as W from "@aws-sdk/client-eventbridge";
import type { Clock } from "../core/clock.js";
import type { Db } from "../store/database.js";
import { identityPolicies } from "../iam/identity-decision.js";
import { findRoleByArn } from "../iam/roles.js";
import { assumedRolePrincipal, trusts } from "../sts/assume-role.js";
import { DeliveryError } from "./delivery-error.js";
import { parseArn, type Scope } from "../core/arn.js";
import { effectiveSetting } from "../ecs/account-settings/account-settings.js";
import { requestTagContext } from "../iam/request-tags.js";
import { taskDefinitionResource } from "../ecs/authorization.js";
import { overridesOf } from "./targets/ecs-task-target.js";
import type { DependentAction } from "../iam/service-authorization.js";
import { PASSED_TO, passRoles } from "../iam/pass-role.js";
import { rolesTaskRunsWith } from "../ecs/passed-roles.js";
import { resourceAccessDenial, serviceDeliveryDenial } from "../iam/resource-policy-decision.js";
import { sqsAuthorization } from "../sqs/authorization.js";
import { snsAuthorization } from "../sns/authorization.js";
import { eventsAuthorization } from "./authorization.js";

/** Decides, before a delivery, whether the target's RoleArn lets EventBridge (or Scheduler) deliver it; throws the DLQ's error when not. */
export type TargetRoleGate = (delivery: { target: W.Target; sourceArn: string; region: string; input?: string }) => void;

/**
 * The roles an ECS target hands to the task: the task definition's task and execution roles, or
 * the input's overrides of them (a role named without ARN is the task definition's account's).
 * ECS takes them only when the caller (here the target's role) may iam:PassRole each to
 * ecs-tasks.amazonaws.com, as AWS's AmazonEC2ContainerServiceEventsRole allows.
 */
function taskRoles(db: Db, taskDefinitionArn: string, input: string | undefined): DependentAction[] {
  const row = db.prepare("SELECT doc FROM task_definitions WHERE arn = ?").get(taskDefinitionArn) as { doc: string } | undefined;
  const def = row ? (JSON.parse(row.doc) as { taskRoleArn?: string; executionRoleArn?: string }) : undefined;
  const overrides = input === undefined ? undefined : overridesOf(input);
  return passRoles(PASSED_TO.ecsTasks, rolesTaskRunsWith(def, overrides), parseArn(taskDefinitionArn)?.account ?? "");
}

/**
 * A target whose RunTask gives the task tags also needs ecs:TagResource (ecs:CreateAction RunTask),
 * as ECS's tagging authorization asks of any caller and AWS's ecsEventsRole policy grants, while
 * the role's tagResourceAuthorization account setting is on.
 */
function tagOnRunTask(db: Db, target: W.Target, scope: Scope): DependentAction[] {
  const tags = target.EcsParameters?.Tags ?? [];
  if (tags.length === 0 || effectiveSetting(db, scope, "tagResourceAuthorization", target.RoleArn).value !== "on") return [];
  const input = { tags: tags.map((t) => ({ key: t.Key, value: t.Value })) };
  return [{ action: "ecs:TagResource", resource: "*", context: { ...requestTagContext(input), "ecs:CreateAction": "RunTask" } }];
}

/** What a delivery to this target needs of its role: the action on its resource, and for ECS the roles it passes. */
function permissionsFor(db: Db, target: W.Target, region: string, input: string | undefined): DependentAction[] {
  const arn = target.Arn!;
  if (/^arn:aws[\w-]*:sqs:/.test(arn)) return [{ action: "sqs:SendMessage", resource: arn }];
  if (/^arn:aws[\w-]*:sns:/.test(arn)) return [{ action: "sns:Publish", resource: arn }];
  if (/^arn:aws[\w-]*:events:[^:]*:\d*:event-bus\//.test(arn)) return [{ action: "events:PutEvents", resource: arn }];
  if (/^arn:aws[\w-]*:events:[^:]*:\d*:api-destination\//.test(arn)) return [{ action: "events:InvokeApiDestination", resource: arn }];
  // RunTask is authorized on the task definition, a family resolved to its latest ACTIVE revision
  // (in the cluster's account and region) as ECS's own RunTask authorization does.
  if (/^arn:aws[\w-]*:ecs:/.test(arn)) {
    const given = target.EcsParameters?.TaskDefinitionArn;
    const cluster = parseArn(arn);
    const taskDefinition = given === undefined ? arn : taskDefinitionResource(db, { account: cluster?.account ?? "", region: cluster?.region ?? region }, given);
    return [
      { action: "ecs:RunTask", resource: taskDefinition },
      ...taskRoles(db, taskDefinition, input),
      ...tagOnRunTask(db, target, { account: cluster?.account ?? "", region: cluster?.region ?? region }),
    ];
  }
  return [];
}

/** A target whose resource carries a policy (a queue, a topic, a bus): the action a delivery is, and the policy, if any. */
function policyTarget(db: Db, arn: string): { action: string; policy: string | undefined } | undefined {
  if (/^arn:aws[\w-]*:sqs:/.test(arn)) return { action: "sqs:SendMessage", policy: sqsAuthorization.resourcePolicy!(db, arn) };
  if (/^arn:aws[\w-]*:sns:/.test(arn)) return { action: "sns:Publish", policy: snsAuthorization.resourcePolicy!(db, arn) };
  if (/^arn:aws[\w-]*:events:[^:]*:\d*:event-bus\//.test(arn)) return { action: "events:PutEvents", policy: eventsAuthorization.resourcePolicy!(db, arn) };
  return undefined;
}

/**
 * With iamEnforcement, a target with a RoleArn is delivered as a session of that role: a role that
 * does not exist or does not trust the delivering service (events.amazonaws.com for rules,
 * scheduler.amazonaws.com for schedules) fails with FAILED_TO_ASSUME_ROLE, one whose identity
 * policies do not allow the delivery (for an ECS target: ecs:RunTask and iam:PassRole of the task's
 * roles to ecs-tasks.amazonaws.com) with NO_PERMISSIONS, neither retried (as EventBridge sends
 * permission failures to the dead-letter queue at once). A target with a policy of its own (a
 * queue, a topic, a bus) is also asked, as AWS asks it: without a RoleArn its policy must allow
 * the delivering service (a bus's may instead name the rule's account) when it is in another
 * account, and must not deny it in any (serviceDeliveryDenial); with one, the role's session is
 * evaluated with the target's policy as any caller is (resourceAccessDenial: another account's
 * target must name the role or its account). Refusals are NO_PERMISSIONS.
 */
export function createTargetRoleGate({ db, clock }: { db: Db; clock: Clock }): TargetRoleGate {
  return ({ target, sourceArn, region, input }) => {
    if (!target.RoleArn) {
      const own = policyTarget(db, target.Arn!);
      if (!own) return;
      const service = /^arn:aws[\w-]*:scheduler:/.test(sourceArn) ? "scheduler.amazonaws.com" : "events.amazonaws.com";
      const denial = serviceDeliveryDenial(own.policy, {
        service, action: own.action, resource: target.Arn!, sourceArn, clock,
        // A bus grants another account's rules by naming that account (PutPermission's Principal).
        ...(own.action === "events:PutEvents" ? { account: sourceArn.split(":")[4]! } : {}),
      });
      if (denial) throw new DeliveryError("NO_PERMISSIONS", denial, false);
      return;
    }
    const service = /^arn:aws[\w-]*:scheduler:/.test(sourceArn) ? "scheduler.amazonaws.com" : "events.amazonaws.com";
    const role = findRoleByArn(db, target.RoleArn);
    // The confused-deputy keys a trust policy may condition on: the rule's (or schedule's) ARN and account.
    const context = { "aws:SourceArn": sourceArn, "aws:SourceAccount": sourceArn.split(":")[4] };
    if (!role || !trusts(role, { service }, "sts:AssumeRole", context)) {
      throw new DeliveryError("FAILED_TO_ASSUME_ROLE", `User: ${service} is not authorized to perform: sts:AssumeRole on resource: ${target.RoleArn}`, false);
    }
    const needed = permissionsFor(db, target, region, input);
    if (needed.length === 0) return;
    const principal = assumedRolePrincipal(role, service === "scheduler.amazonaws.com" ? "scheduler" : "events");
    const policies = identityPolicies(db, clock, principal, { region });
    for (const { action, resource, context } of needed) {
      const own = policyTarget(db, resource);
      const denial = own && own.action === action
        ? resourceAccessDenial(principal, policies, { action, resource, policyText: own.policy, clock, ...(context ? { context } : {}) })
        : policies.denial(action, resource, context);
      if (denial) throw new DeliveryError("NO_PERMISSIONS", denial, false);
    }
  };
}
