import type { Principal } from "../aws/request-context.js";
import type { Clock } from "../core/clock.js";
import { accessDeniedMessage, type ConditionContext, type IdentityPolicies } from "./identity-decision.js";
import { evaluatePolicies, type Decision } from "./policy-evaluation.js";
import type { PolicyDocument, Statement } from "./policy-document.js";

/**
 * A resource-based policy's answer for one principal asking one action on its resource (an ECR
 * repository's policy, an SQS queue's, an SNS topic's, an EventBridge bus's): the statements whose
 * Principal names the caller (or whose NotPrincipal does not), evaluated by IAM's own evaluation
 * (policy-evaluation.ts) with their Resource, if any, matched against `resource`. The stored text
 * was validated when it was set; here it is only normalised to the lists IAM's evaluation reads.
 *
 * Who a principal element names, as IAM reads it: "*" everyone; a user's ARN that user; a role's
 * ARN every session of the role; a session's ARN that session; an account (its id or its root
 * ARN) every identity of the account, but, as IAM's documentation says of account principals,
 * an Allow for the account only delegates to the account's own identity policies: in the
 * resource's own account it allows nobody by itself; to another account it grants what that
 * account's identity policies then allow (the cross-account rule below wants both). A Deny for an
 * account applies to all its identities. Service principals
 * (sns.amazonaws.com, ...) name no caller of the API.
 */
export function resourcePolicyDecision(
  policyText: string,
  principal: Principal,
  { action, resource, clock, sourceIp, context = {} }: { action: string; resource: string; clock: Clock; sourceIp?: string; context?: ConditionContext },
): Decision {
  let raw: { Statement?: unknown };
  try {
    raw = JSON.parse(policyText) as typeof raw;
  } catch {
    return "ImplicitDeny";
  }
  if (typeof raw !== "object" || raw === null) return "ImplicitDeny";
  // In the resource's own account an Allow naming the account adds nothing to its identity
  // policies; from another account it is the resource's half of the grant (resourceAccessDenial
  // still wants the identity's half).
  const owner = accountOf(resource);
  const sameAccount = owner === undefined || owner === principal.account;
  const statements = (Array.isArray(raw.Statement) ? raw.Statement : [raw.Statement]) as Array<Record<string, unknown>>;
  const applicable: Statement[] = [];
  for (const s of statements) {
    if (typeof s !== "object" || s === null || (s.Effect !== "Allow" && s.Effect !== "Deny")) continue;
    const named = s.Principal !== undefined ? names(s.Principal, principal) : invert(names(s.NotPrincipal, principal));
    if (named === "no" || (named === "account" && s.Effect === "Allow" && sameAccount)) continue;
    applicable.push({
      Effect: s.Effect,
      ...(s.Action !== undefined ? { Action: list(s.Action) } : { NotAction: list(s.NotAction) }),
      ...(s.Resource !== undefined ? { Resource: list(s.Resource) } : s.NotResource !== undefined ? { NotResource: list(s.NotResource) } : {}),
      ...(s.Condition !== undefined ? { Condition: conditions(s.Condition) } : {}),
    });
  }
  if (applicable.length === 0) return "ImplicitDeny";
  const now = clock.now();
  const request: ConditionContext = {
    ...context,
    "aws:PrincipalArn": principal.roleArn ?? principal.arn, "aws:PrincipalAccount": principal.account, "aws:PrincipalType": principal.type,
    "aws:userid": principal.userId, "aws:username": principal.type === "User" ? principal.name : undefined, "aws:SourceIp": sourceIp,
    "aws:CurrentTime": now.toISOString(), "aws:EpochTime": String(Math.floor(now.getTime() / 1000)), "aws:SecureTransport": "false",
  };
  const document: PolicyDocument = { Statement: applicable };
  return evaluatePolicies([document], { action, resource, context: request });
}

/** The account a resource's ARN names (arn:aws:SERVICE:REGION:ACCOUNT:...), undefined for "*". */
function accountOf(arn: string): string | undefined {
  return arn.startsWith("arn:") ? arn.split(":")[4] || undefined : undefined;
}

/**
 * A call on a resource that may carry a policy of its own, as IAM evaluates it
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
 * "Cross-account policy evaluation logic"): an explicit Deny in the identity (or session) policies
 * or in the resource's policy refuses; in the resource's own account either may allow; a principal
 * of another account needs both. undefined when allowed, else AWS's AccessDenied message, naming
 * the action as the service shows it (`shownAction`: SQS's `sqs:sendmessage`).
 */
export function resourceAccessDenial(
  principal: Principal,
  identity: Pick<IdentityPolicies, "decide">,
  { action, resource, policyText, clock, sourceIp, context, shownAction = (a) => a }: {
    action: string; resource: string; policyText: string | undefined; clock: Clock; sourceIp?: string | undefined; context?: ConditionContext; shownAction?: (action: string) => string;
  },
): string | undefined {
  const shown = shownAction(action);
  const refused = (why: string) => `User: ${principal.arn} is not authorized to perform: ${shown} on resource: ${resource} ${why}`;
  const own = identity.decide(action, resource, context);
  if (own?.decision === "ExplicitDeny") return accessDeniedMessage(principal.arn, shown, resource, own);
  const byPolicy: Decision = policyText === undefined ? "ImplicitDeny"
    : resourcePolicyDecision(policyText, principal, { action, resource, clock, ...(sourceIp ? { sourceIp } : {}), ...(context ? { context } : {}) });
  if (byPolicy === "ExplicitDeny") return refused("with an explicit deny in a resource-based policy");
  const owner = accountOf(resource);
  const sameAccount = owner === undefined || owner === principal.account;
  const ownAllows = own === undefined;
  if (sameAccount ? ownAllows || byPolicy === "Allow" : ownAllows && byPolicy === "Allow") return undefined;
  if (!sameAccount && ownAllows) return refused(`because no resource-based policy allows the ${shown} action`);
  return accessDeniedMessage(principal.arn, shown, resource, own ?? { decision: "ImplicitDeny", policyType: "identity-based" });
}

type Named = "yes" | "account" | "no";

/** Whether a principal element names the caller: itself ("yes"), its account only ("account"), or not at all. */
function names(element: unknown, p: Principal): Named {
  if (element === "*") return "yes";
  if (typeof element !== "object" || element === null) return "no";
  let result: Named = "no";
  for (const id of list((element as Record<string, unknown>)["AWS"])) {
    if (id === "*" || id === p.arn || (p.roleArn !== undefined && id === p.roleArn)) return "yes";
    if (id === p.account || id === `arn:aws:iam::${p.account}:root`) result = "account";
  }
  return result;
}

/** NotPrincipal: a statement applies to everyone the element does not name. */
const invert = (n: Named): Named => (n === "no" ? "yes" : "no");

const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);

function conditions(raw: unknown): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  if (typeof raw !== "object" || raw === null) return out;
  for (const [operator, keys] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof keys !== "object" || keys === null) continue;
    out[operator] = Object.fromEntries(Object.entries(keys as Record<string, unknown>).map(([k, v]) => [k, list(v)]));
  }
  return out;
}
