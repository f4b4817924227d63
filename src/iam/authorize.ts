import type { Authorize } from "../aws/gateway.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import type { Db } from "../store/database.js";
import { actionResources, authorizedCall } from "./action-resources.js";
import { accessDeniedMessage, identityPolicies, type ConditionContext } from "./identity-decision.js";
import { requestTagContext } from "./request-tags.js";
import { accountOf, accountRoot, resourceAccessDenial } from "./resource-policy-decision.js";
import { resourceTagContext, type ServiceAuthorization } from "./service-authorization.js";
import type { ResourceDenial } from "../sts/execution-role-gate.js";

/** Signing names whose IAM action prefix differs (CloudWatch signs as "monitoring"). */
const ACTION_PREFIX: Record<string, string> = { monitoring: "cloudwatch" };

/** Calls AWS never refuses for want of a policy. */
const ALWAYS_ALLOWED = new Set(["sts:GetCallerIdentity"]);

/**
 * Identity-policy enforcement (config iamEnforcement): a user's or role session's call is allowed
 * only when its inline and attached policies (and a session's session policies) allow it on every
 * resource it names (action-resources.ts and each service's table, keyed by signing name), with no
 * explicit Deny. Each resource is evaluated with its own tags (aws:ResourceTag/<key>) and the
 * request's (aws:RequestTag/<key>, aws:TagKeys). Throws AccessDeniedException (AccessDenied on
 * query services) with AWS's message, naming the first resource refused.
 *
 * `resourcePolicies` (by signing name): services whose resources carry policies of their own (ECR's
 * repository policies, src/ecr/registry-permissions.ts). Their calls are decided by the identity
 * and the resource policy together, as IAM evaluates them: in the same account either may allow
 * and an explicit Deny in either refuses; another account's principal needs both. Services whose
 * table names a resource's policy (`resourcePolicy`: SQS queues, SNS topics, EventBridge buses)
 * are decided the same way (resource-policy-decision.ts), except another account's resources of a
 * `perEntry` operation, whose policies the service asks entry by entry: here only the identity's.
 */
export function createAuthorize({ db, clock, services = {}, resourcePolicies = {} }: {
  db: Db; clock: Clock; services?: Record<string, ServiceAuthorization>; resourcePolicies?: Record<string, ResourceDenial>;
}): Authorize {
  /**
   * An account's root (its configured credentials) is never refused in its own account. Another
   * account's queue, topic, bus or ECR repository it reaches only when that resource's policy
   * allows the account (its id, its root ARN or "*"), with no explicit Deny, as AWS evaluates a
   * cross-account root (the service does, entry by entry, for its `perEntry` operations).
   */
  const authorizeRoot = (ctx: Parameters<Authorize>[0], { service, operation, input }: Parameters<Authorize>[1], action: string) => {
    const table = services[service];
    const withPolicy = resourcePolicies[service];
    if (!table?.resourcePolicy && !withPolicy) return;
    const { code = "AccessDeniedException", status, shownAction = (a: string) => a } = table?.refusal ?? {};
    const root = accountRoot(ctx.account);
    const everything = { decide: () => undefined };
    const perEntry = table?.perEntry?.includes(operation) === true;
    for (const resource of actionResources(db, ctx, service, operation, input, table)) {
      const owner = accountOf(resource);
      if (owner === undefined || owner === ctx.account || perEntry) continue;
      const denied = withPolicy ? withPolicy(root, everything, action, resource, ctx.sourceIp) : resourceAccessDenial(root, everything, {
        action, resource, policyText: table!.resourcePolicy!(db, resource), clock, sourceIp: ctx.sourceIp, context: requestTagContext(input), shownAction,
      });
      if (denied !== undefined) throw new ServiceError(code, denied, true, {}, status);
    }
  };
  return (ctx, { service, operation, input }) => {
    const table = services[service];
    const action = `${ACTION_PREFIX[service] ?? service}:${table?.actions?.[operation] ?? operation}`;
    if (ALWAYS_ALLOWED.has(action)) return;
    if (!ctx.principal) return authorizeRoot(ctx, { service, operation, input }, action);
    const policies = identityPolicies(db, clock, ctx.principal!, { region: ctx.region, ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}) });
    const requestTags = requestTagContext(input);
    const { code = "AccessDeniedException", status, shownAction = (a: string) => a } = table?.refusal ?? {};
    const conditionsOf = table?.conditions && Object.hasOwn(table.conditions, operation) ? table.conditions[operation] : undefined;
    const serviceKeys = conditionsOf ? conditionsOf(authorizedCall(db, ctx, input, table)) : {};
    for (const resource of actionResources(db, ctx, service, operation, input, table)) {
      const context: ConditionContext = { ...requestTags, ...serviceKeys, ...resourceTagContext(db, resource, Object.values(services)) };
      const withPolicy = resourcePolicies[service];
      if (withPolicy) {
        const identity = { decide: (a: string, r: string) => policies.decide(a, r, context), denial: (a: string, r: string) => policies.denial(a, r, context) };
        const denied = withPolicy(ctx.principal!, identity, action, resource, ctx.sourceIp);
        if (denied !== undefined) throw new ServiceError(code, denied, true, {}, status);
        continue;
      }
      const owner = accountOf(resource);
      const decidedPerEntry = table?.perEntry?.includes(operation) === true && owner !== undefined && owner !== ctx.account;
      if (table?.resourcePolicy && !decidedPerEntry) {
        const denied = resourceAccessDenial(ctx.principal!, policies, {
          action, resource, policyText: table.resourcePolicy(db, resource), clock, sourceIp: ctx.sourceIp, context, shownAction,
        });
        if (denied !== undefined) throw new ServiceError(code, denied, true, {}, status);
        continue;
      }
      const refused = policies.decide(action, resource, context);
      if (refused) throw new ServiceError(code, accessDeniedMessage(ctx.principal!.arn, shownAction(action), resource, refused), true, {}, status);
    }
    // Then what the call hands on (iam:PassRole of the roles it names) or also does (SQS's moves
    // read, delete and send), refused with the same error. A resource of this service with a
    // policy of its own is decided with that policy too, as the call's own resources are.
    const dependent = table?.dependentActions?.[operation];
    if (!dependent) return;
    for (const need of dependent(authorizedCall(db, ctx, input, table))) {
      if (table?.resourcePolicy && need.resource.split(":")[2] === table.arnService) {
        const denied = resourceAccessDenial(ctx.principal!, policies, {
          action: need.action, resource: need.resource, policyText: table.resourcePolicy(db, need.resource), clock, sourceIp: ctx.sourceIp, context: need.context ?? {}, shownAction,
        });
        if (denied !== undefined) throw new ServiceError(code, denied, true, {}, status);
        continue;
      }
      const refused = policies.decide(need.action, need.resource, need.context);
      if (refused) throw new ServiceError(code, accessDeniedMessage(ctx.principal!.arn, need.action, need.resource, refused), true, {}, status);
    }
  };
}
