import type { Principal } from "../aws/request-context.js";
import type { Clock } from "../core/clock.js";
import type { Db } from "../store/database.js";
import { inlineDocuments } from "./inline-policies.js";
import { attachedDocuments } from "./managed-policies.js";
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
  decide(action: string, resource: string): Decision;
  /** undefined when allowed; else AWS's AccessDenied message. */
  denial(action: string, resource: string): string | undefined;
}

export function identityPolicies(db: Db, clock: Clock, principal: Principal, facts: RequestFacts): IdentityPolicies {
  const [type, name] = principal.type === "User" ? (["user", principal.name] as const) : (["role", principal.name] as const);
  const documents: PolicyDocument[] = [...inlineDocuments(db, principal.account, type, name), ...attachedDocuments(db, principal.account, type, name)]
    .map((d) => parsePolicyDocument(d, "identity"));
  const now = clock.now();
  const context: Record<string, string | undefined> = {
    "aws:PrincipalArn": principal.roleArn ?? principal.arn, "aws:PrincipalAccount": principal.account, "aws:PrincipalType": principal.type,
    "aws:userid": principal.userId, "aws:username": principal.type === "User" ? principal.name : undefined,
    "aws:RequestedRegion": facts.region, "aws:SourceIp": facts.sourceIp,
    "aws:CurrentTime": now.toISOString(), "aws:EpochTime": String(Math.floor(now.getTime() / 1000)), "aws:SecureTransport": "false",
  };
  for (const [key, value] of Object.entries(principalTags(db, principal))) context[`aws:PrincipalTag/${key}`] = value;
  const decide = (action: string, resource: string) => evaluatePolicies(documents, { action, resource, context });
  return {
    decide,
    denial(action, resource) {
      const decision = decide(action, resource);
      return decision === "Allow" ? undefined : accessDeniedMessage(principal.arn, action, resource, decision);
    },
  };
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
export function accessDeniedMessage(principalArn: string, action: string, resource: string, decision: Exclude<Decision, "Allow">): string {
  const why = decision === "ExplicitDeny" ? "with an explicit deny in an identity-based policy" : `because no identity-based policy allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}
