import type * as W from "@aws-sdk/client-sts";
import { ServiceError } from "../core/errors.js";
import type { Principal, RequestContext } from "../aws/request-context.js";
import { findRoleByArn, type StoredRole } from "../iam/roles.js";
import { parsePolicyDocument } from "../iam/policy-document.js";
import { trustAllows } from "../iam/policy-evaluation.js";
import { mintSession, presentCredentials, type StsDeps } from "./sessions.js";
import type { TemporaryCredentials } from "./role-sessions.js";

const accessDenied = (message: string) => new ServiceError("AccessDeniedException", message);
const validation = (message: string) => new ServiceError("ValidationError", message);

/** The ARN a caller is known by: its user or session, else the account's root. */
export const callerArn = (ctx: Pick<RequestContext, "account" | "principal">) => ctx.principal?.arn ?? `arn:aws:iam::${ctx.account}:root`;

/** The principal a session of `role` named `sessionName` is. */
export function assumedRolePrincipal(role: StoredRole, sessionName: string): Principal {
  const account = role.Arn.split(":")[4]!;
  return {
    type: "AssumedRole", account, name: role.RoleName, roleArn: role.Arn,
    arn: `arn:aws:sts::${account}:assumed-role/${role.RoleName}/${sessionName}`, userId: `${role.RoleId}:${sessionName}`,
  };
}

/** Whether the role's trust policy lets `who` perform `action` (sts:AssumeRole, sts:TagSession, ...). */
export function trusts(role: StoredRole, who: { aws?: string[]; service?: string }, action: string, context: Record<string, string | undefined> = {}): boolean {
  return trustAllows(parsePolicyDocument(role.AssumeRolePolicyDocument, "trust"), who, action, context);
}

/**
 * STS AssumeRole: the role must exist and trust the caller (else AccessDenied, which does not
 * say which: AWS does not reveal whether a role exists); a session of at most the role's
 * MaxSessionDuration (one hour when a role session assumes a role: role chaining).
 */
export function assumeRole(deps: StsDeps, input: W.AssumeRoleRequest, ctx: RequestContext): W.AssumeRoleResponse & { Credentials: unknown } {
  const arn = callerArn(ctx);
  const role = findRoleByArn(deps.db, input.RoleArn!);
  const denied = (action: string) => accessDenied(`User: ${arn} is not authorized to perform: ${action} on resource: ${input.RoleArn}`);
  // The caller's ARN, its account (as a number and as the root's ARN), and for a role session its role.
  const who = { aws: [arn, ctx.account, `arn:aws:iam::${ctx.account}:root`, ...(ctx.principal?.roleArn ? [ctx.principal.roleArn] : [])] };
  const context = { "sts:ExternalId": input.ExternalId, "sts:RoleSessionName": input.RoleSessionName, "aws:PrincipalArn": ctx.principal?.roleArn ?? arn, "aws:SourceIdentity": input.SourceIdentity };
  if (!role || !trusts(role, who, "sts:AssumeRole", context)) throw denied("sts:AssumeRole");
  if (input.Tags?.length && !trusts(role, who, "sts:TagSession", context)) throw denied("sts:TagSession");
  if (input.SourceIdentity !== undefined && !trusts(role, who, "sts:SetSourceIdentity", context)) throw denied("sts:SetSourceIdentity");
  const duration = input.DurationSeconds ?? 3600;
  if (ctx.principal?.type === "AssumedRole" && duration > 3600) throw validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  if (duration > role.MaxSessionDuration) throw validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  // A session policy is validated as IAM validates identity policies (MalformedPolicyDocument).
  if (input.Policy !== undefined) parsePolicyDocument(input.Policy, "identity");
  const principal: Principal = assumedRolePrincipal(role, input.RoleSessionName!);
  const policyArns = (input.PolicyArns ?? []).flatMap((p) => (p.arn === undefined ? [] : [p.arn]));
  // Session policies narrow the session to what they and the role's policies both allow (identity-decision.ts).
  if (input.Policy !== undefined || policyArns.length) {
    principal.sessionPolicies = { ...(input.Policy === undefined ? {} : { document: input.Policy }), ...(policyArns.length ? { arns: policyArns } : {}) };
  }
  if (input.SourceIdentity !== undefined) principal.sourceIdentity = input.SourceIdentity;
  // Session tags become the session's aws:PrincipalTag/<key> in the calls it signs.
  if (input.Tags?.length) principal.sessionTags = Object.fromEntries(input.Tags.map((t) => [t.Key!, t.Value!]));
  const credentials = mintSession(deps, { account: principal.account, principal, durationSeconds: duration });
  return {
    Credentials: presentCredentials(credentials),
    AssumedRoleUser: { AssumedRoleId: principal.userId, Arn: principal.arn },
    // Session tags and policies are packed into the token; AWS reports how full it is (in percent).
    ...(input.Tags?.length || input.Policy || input.PolicyArns?.length ? { PackedPolicySize: Math.min(100, (input.Tags?.length ?? 0) * 2 + Math.ceil((input.Policy?.length ?? 0) / 20)) } : {}),
    ...(input.SourceIdentity === undefined ? {} : { SourceIdentity: input.SourceIdentity }),
  };
}

/** GetSessionToken: the caller's own identity for a while; not for role sessions (AWS refuses them). */
export function getSessionToken(deps: StsDeps, input: W.GetSessionTokenRequest, ctx: RequestContext): { Credentials: unknown } {
  if (ctx.principal?.type === "AssumedRole") throw accessDenied("Cannot call GetSessionToken with session credentials");
  const duration = input.DurationSeconds ?? (ctx.principal ? 43200 : 3600);
  // The root's sessions last at most an hour.
  if (!ctx.principal && duration > 3600) throw validation("Root credentials can obtain session tokens lasting at most 3600 seconds.");
  const credentials: TemporaryCredentials = mintSession(deps, { account: ctx.account, ...(ctx.principal ? { principal: ctx.principal } : {}), durationSeconds: duration });
  return { Credentials: presentCredentials(credentials) };
}
