import type { Clock } from "../core/clock.js";
import type { Db } from "../store/database.js";
import type { ExecutionRoleGate } from "../ecs/tasks/execution-role.js";
import { identityPolicies, type IdentityPolicies } from "../iam/identity-decision.js";
import { resourceTagContext, type ServiceAuthorization } from "../iam/service-authorization.js";
import { resourceAccessDenial, type PolicyCaller } from "../iam/resource-policy-decision.js";
import { findRoleByArn } from "../iam/roles.js";
import { assumedRolePrincipal, trusts } from "./assume-role.js";

const ECS_TASKS = "ecs-tasks.amazonaws.com";

/**
 * The execution role's permissions as a session of it, named after the task (as ECS names the
 * sessions it assumes for a task), would have them: the role's identity policies, evaluated as
 * enforcement evaluates any call (identity-decision.ts), in the task's Region. A role that does
 * not exist or does not trust ecs-tasks.amazonaws.com cannot be assumed: every action is refused
 * with STS's words for that. Each resource is evaluated with its tags (aws:ResourceTag/<key>),
 * found as enforcement finds them (`services`: each service's authorization table). `resourceDenial`,
 * when given, decides instead of the identity policies alone, for resources that have policies of
 * their own (ECR repositories' policies: src/ecr/registry-permissions.ts), so that a task pulls with
 * what its role may pull. A resource whose service's table names its policy (`resourcePolicy`: a
 * Secrets Manager secret's) is decided with that policy, as any caller's call on it is.
 */
export type ResourceDenial = (principal: PolicyCaller, identity: Pick<IdentityPolicies, "decide">, action: string, resource: string, sourceIp?: string) => string | undefined;

export function createExecutionRoleGate({ db, clock, services = [], resourceDenial }: { db: Db; clock: Clock; services?: ServiceAuthorization[]; resourceDenial?: ResourceDenial }): ExecutionRoleGate {
  return ({ taskArn, executionRoleArn }) => {
    if (executionRoleArn === undefined) return undefined;
    const role = findRoleByArn(db, executionRoleArn);
    if (!role || !trusts(role, { service: ECS_TASKS }, "sts:AssumeRole")) {
      const refusal = `User: ${ECS_TASKS} is not authorized to perform: sts:AssumeRole on resource: ${executionRoleArn}`;
      return { denial: () => refusal };
    }
    const [, , , region = "", , resource = ""] = taskArn.split(":");
    const principal = assumedRolePrincipal(role, resource.slice(resource.lastIndexOf("/") + 1));
    const policies = identityPolicies(db, clock, principal, { region });
    const identity: IdentityPolicies = {
      decide: (action, resource, context) => policies.decide(action, resource, context ?? resourceTagContext(db, resource, services)),
      denial: (action, resource, context) => policies.denial(action, resource, context ?? resourceTagContext(db, resource, services)),
    };
    const denial = (action: string, resource: string): string | undefined => {
      const table = services.find((t) => t.resourcePolicy && t.arnService === resource.split(":")[2]);
      if (table) return resourceAccessDenial(principal, identity, { action, resource, policyText: table.resourcePolicy!(db, resource), clock });
      return resourceDenial ? resourceDenial(principal, identity, action, resource) : identity.denial(action, resource);
    };
    return { principal, denial };
  };
}
