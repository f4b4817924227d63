import type { Principal } from "../aws/request-context.js";
import type { Clock } from "../core/clock.js";
import type { Db } from "../store/database.js";
import { inlineDocuments } from "./inline-policies.js";
import { attachedDocuments, policyDocument } from "./managed-policies.js";
import { parsePolicyDocument, type PolicyDocument } from "./policy-document.js";
import { evaluatePolicies, type Decision } from "./policy-evaluation.js";
import { findRoleByArn } from "./roles.js";
import { findUser } from "./users.js";

/** What a request carries besides its principal: where it came from and which region it names. */
export interface RequestFacts {
  region: string;
  /** The caller's IP address (aws:SourceIp); absent for calls Berth makes itself (an execution role's). */
  sourceIp?: string;
}

/**
 * One principal's identity policies, read once and evaluated for as many (action, resource)
 * pairs as a call needs: an IAM user's or an assumed role's inline and attached policies, with
 * the global condition keys AWS supplies for it.
 */
export interface IdentityPolicies {
  /** `context`: the keys of this resource and request (aws:ResourceTag/..., aws:RequestTag/..., aws:TagKeys). */
  decide(action: string, resource: string, context?: ConditionContext): Refusal | undefined;
  /** undefined when allowed; else AWS's AccessDenied message. */
  denial(action: string, resource: string, context?: ConditionContext): string | undefined;
}

export type ConditionContext = Record<string, string | string[] | undefined>;

/** Why a call is refused: which kind of policy, and whether by an explicit Deny or for want of an Allow. */
export interface Refusal {
  decision: Exclude<Decision, "Allow">;
  policyType: "identity-based" | "session";
}

export function identityPolicies(db: Db, clock: Clock, principal: Principal, facts: RequestFacts): IdentityPolicies {
  const [type, name] = principal.type === "User" ? (["user", principal.name] as const) : (["role", principal.name] as const);
  const documents: PolicyDocument[] = [...inlineDocuments(db, principal.account, type, name), ...attachedDocuments(db, principal.account, type, name)]
    .map((d) => parsePolicyDocument(d, "identity"));
  const session = sessionDocuments(db, principal);
  const now = clock.now();
  const context: ConditionContext = {
    "aws:PrincipalArn": principal.roleArn ?? principal.arn, "aws:PrincipalAccount": principal.account, "aws:PrincipalType": principal.type,
    "aws:userid": principal.userId, "aws:username": principal.type === "User" ? principal.name : undefined,
    "aws:RequestedRegion": facts.region, "aws:SourceIp": facts.sourceIp, "aws:SourceIdentity": principal.sourceIdentity,
    "aws:CurrentTime": now.toISOString(), "aws:EpochTime": String(Math.floor(now.getTime() / 1000)), "aws:SecureTransport": "false",
  };
  for (const [key, value] of Object.entries(principalTags(db, principal))) context[`aws:PrincipalTag/${key}`] = value;
  /**
   * A session with session policies may do only what both its identity policies and its session
   * policies allow (their intersection); an explicit Deny in either refuses.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
   */
  const decide = (action: string, resource: string, extra: ConditionContext = {}): Refusal | undefined => {
    const request = { action, resource, context: { ...context, ...extra } };
    const identity = evaluatePolicies(documents, request);
    const bySession = session && evaluatePolicies(session, request);
    if (identity === "ExplicitDeny") return { decision: identity, policyType: "identity-based" };
    if (bySession === "ExplicitDeny") return { decision: bySession, policyType: "session" };
    if (identity === "ImplicitDeny") return { decision: identity, policyType: "identity-based" };
    if (bySession === "ImplicitDeny") return { decision: bySession, policyType: "session" };
    return undefined;
  };
  return {
    decide,
    denial(action, resource, extra) {
      const refusal = decide(action, resource, extra);
      return refusal && accessDeniedMessage(principal.arn, action, resource, refusal);
    },
  };
}

/**
 * A role session's session policies (AssumeRole's Policy and PolicyArns), or undefined when it
 * has none. A managed policy named by ARN is read at each call, as AWS resolves it; one that no
 * longer exists allows nothing.
 */
function sessionDocuments(db: Db, principal: Principal): PolicyDocument[] | undefined {
  const policies = principal.sessionPolicies;
  if (!policies) return undefined;
  const texts = [...(policies.document === undefined ? [] : [policies.document]), ...(policies.arns ?? []).flatMap((arn) => policyDocument(db, principal.account, arn) ?? [])];
  return texts.map((d) => parsePolicyDocument(d, "identity"));
}

/**
 * aws:PrincipalTag/<key>: a user's tags; a role session's are its role's tags, with the session's
 * own tags (AssumeRole's Tags) winning over a role tag of the same key, as AWS merges them.
 */
function principalTags(db: Db, principal: Principal): Record<string, string> {
  const tags: Record<string, string> = {};
  const owner = principal.type === "User" ? findUser(db, principal.account, principal.name) : principal.roleArn ? findRoleByArn(db, principal.roleArn) : undefined;
  for (const t of owner?.Tags ?? []) tags[t.Key] = t.Value;
  for (const [k, v] of Object.entries(principal.sessionTags ?? {})) {
    // Tag keys are case-insensitive: a session tag replaces a role tag whatever its case.
    for (const existing of Object.keys(tags)) if (existing.toLowerCase() === k.toLowerCase()) delete tags[existing];
    tags[k] = v;
  }
  return tags;
}

/** AWS's words for a refusal by identity policies. */
export function accessDeniedMessage(principalArn: string, action: string, resource: string, { decision, policyType }: Refusal): string {
  const why = decision === "ExplicitDeny" ? `with an explicit deny in a${policyType === "session" ? "" : "n"} ${policyType} policy` : `because no ${policyType} policy allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}
