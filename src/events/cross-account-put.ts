import type { RequestContext } from "../aws/request-context.js";
import type { Clock } from "../core/clock.js";
import type { Db } from "../store/database.js";
import { identityPolicies } from "../iam/identity-decision.js";
import { accountRoot, resourceAccessDenial } from "../iam/resource-policy-decision.js";
import { resourceTagContext } from "../iam/service-authorization.js";
import { eventsAuthorization } from "./authorization.js";

/**
 * Under iamEnforcement, why a PutEvents entry may not go on another account's bus (undefined: it
 * may): as IAM evaluates a cross-account call, the bus's policy must name the caller, its role or
 * its account (PutPermission's Principal), and the caller's identity policies must allow
 * events:PutEvents on the bus; an explicit Deny in either refuses. An account's root has no
 * identity policies to ask. The gateway's authorization leaves these buses' policies to this
 * check (eventsAuthorization.perEntry), so one refused entry fails alone, as on AWS.
 */
export function crossAccountPutDenial(db: Db, clock: Clock, ctx: RequestContext): (busArn: string) => string | undefined {
  const caller = ctx.principal ?? accountRoot(ctx.account);
  const sourceIp = ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {};
  const identity = ctx.principal ? identityPolicies(db, clock, ctx.principal, { region: ctx.region, ...sourceIp }) : { decide: () => undefined };
  return (busArn) => {
    const context = resourceTagContext(db, busArn, [eventsAuthorization]);
    return resourceAccessDenial(caller, { decide: (action, resource) => identity.decide(action, resource, context) }, {
      action: "events:PutEvents", resource: busArn, policyText: eventsAuthorization.resourcePolicy!(db, busArn), clock, ...sourceIp, context,
    });
  };
}
