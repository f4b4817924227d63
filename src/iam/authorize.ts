import type { Authorize } from "../aws/gateway.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import type { Db } from "../store/database.js";
import { actionResources } from "./action-resources.js";
import { identityPolicies } from "./identity-decision.js";

/** Signing names whose IAM action prefix differs (CloudWatch signs as "monitoring"). */
const ACTION_PREFIX: Record<string, string> = { monitoring: "cloudwatch" };

/** Calls AWS never refuses for want of a policy. */
const ALWAYS_ALLOWED = new Set(["sts:GetCallerIdentity"]);

/**
 * Identity-policy enforcement (config iamEnforcement): a user's or role session's call is allowed
 * only when its inline and attached policies allow it on every resource it names
 * (action-resources.ts), with no explicit Deny. Throws AccessDeniedException (AccessDenied on
 * query services) with AWS's message, naming the first resource refused.
 */
export function createAuthorize({ db, clock }: { db: Db; clock: Clock }): Authorize {
  return (ctx, { service, operation, input }) => {
    const action = `${ACTION_PREFIX[service] ?? service}:${operation}`;
    if (ALWAYS_ALLOWED.has(action)) return;
    const policies = identityPolicies(db, clock, ctx.principal!, { region: ctx.region, ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}) });
    for (const resource of actionResources(db, ctx, service, operation, input)) {
      const denial = policies.denial(action, resource);
      if (denial !== undefined) throw new ServiceError("AccessDeniedException", denial);
    }
  };
}
