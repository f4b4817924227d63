import type { Authorize } from "../aws/gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import type { Db } from "../store/database.js";
import { iamArn } from "./iam-common.js";
import { inlineDocuments } from "./inline-policies.js";
import { attachedDocuments } from "./managed-policies.js";
import { parsePolicyDocument } from "./policy-document.js";
import { evaluatePolicies } from "./policy-evaluation.js";
import { findRole } from "./roles.js";
import { findUser } from "./users.js";

/** Signing names whose IAM action prefix differs (CloudWatch signs as "monitoring"). */
const ACTION_PREFIX: Record<string, string> = { monitoring: "cloudwatch" };

/** Calls AWS never refuses for want of a policy. */
const ALWAYS_ALLOWED = new Set(["sts:GetCallerIdentity"]);

/**
 * The resource a call is evaluated on: the ARN an IAM or STS call names (a role, user or policy),
 * else "*". AWS evaluates most other services' calls on their resources' ARNs; Berth does not yet
 * (docs/compatibility.md), so a policy that allows an action on specific resources does not allow it here.
 */
function resourceOf(db: Db, ctx: RequestContext, service: string, input: Record<string, unknown>): string {
  const str = (k: string) => (typeof input[k] === "string" ? (input[k] as string) : undefined);
  if (service === "sts") return str("RoleArn") ?? "*";
  if (service !== "iam") return "*";
  const role = str("RoleName");
  if (role !== undefined) return findRole(db, ctx.account, role)?.Arn ?? iamArn(ctx.account, "role", str("Path") ?? "/", role);
  const user = str("UserName");
  if (user !== undefined) return findUser(db, ctx.account, user)?.Arn ?? iamArn(ctx.account, "user", str("Path") ?? "/", user);
  return str("PolicyArn") ?? "*";
}

/**
 * Identity-policy enforcement (config iamEnforcement): a user's or role session's call is allowed
 * only when its inline and attached policies allow it, with no explicit Deny. Throws
 * AccessDeniedException (AccessDenied on query services) with AWS's message.
 */
export function createAuthorize({ db, clock }: { db: Db; clock: Clock }): Authorize {
  return (ctx, { service, operation, input }) => {
    const principal = ctx.principal!;
    const action = `${ACTION_PREFIX[service] ?? service}:${operation}`;
    if (ALWAYS_ALLOWED.has(action)) return;
    const [type, name] = principal.type === "User" ? (["user", principal.name] as const) : (["role", principal.name] as const);
    const documents = [...inlineDocuments(db, principal.account, type, name), ...attachedDocuments(db, principal.account, type, name)];
    const resource = resourceOf(db, ctx, service, input);
    const now = clock.now();
    const decision = evaluatePolicies(documents.map((d) => parsePolicyDocument(d, "identity")), {
      action, resource,
      context: {
        "aws:PrincipalArn": principal.roleArn ?? principal.arn, "aws:PrincipalAccount": principal.account, "aws:PrincipalType": principal.type,
        "aws:userid": principal.userId, "aws:username": principal.type === "User" ? principal.name : undefined,
        "aws:RequestedRegion": ctx.region, "aws:CurrentTime": now.toISOString(), "aws:EpochTime": String(Math.floor(now.getTime() / 1000)), "aws:SecureTransport": "false",
      },
    });
    if (decision === "Allow") return;
    const why = decision === "ExplicitDeny" ? "with an explicit deny in an identity-based policy" : `because no identity-based policy allows the ${action} action`;
    throw new ServiceError("AccessDeniedException", `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
  };
}
