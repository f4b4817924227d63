import type { Principal } from "../aws/request-context.js";
import type { Clock } from "../core/clock.js";
import { accessDeniedMessage, type ConditionContext, type IdentityPolicies } from "./identity-decision.js";
import { evaluatePolicies, type Decision } from "./policy-evaluation.js";
import type { PolicyDocument, Statement } from "./policy-document.js";

/**
 * Whom a resource policy is asked about: an IAM user or role session, or an account's root
 * (aws:PrincipalType "Account", aws:userid the account id, as AWS names the root).
 */
export type PolicyCaller = Principal | AccountRoot;
export interface AccountRoot { type: "Account"; account: string; arn: string; userId: string; name?: undefined; roleArn?: undefined }
export const accountRoot = (account: string): AccountRoot => ({ type: "Account", account, arn: `arn:aws:iam::${account}:root`, userId: account });

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
  principal: PolicyCaller,
  { action, resource, clock, sourceIp, context = {} }: { action: string; resource: string; clock: Clock; sourceIp?: string; context?: ConditionContext },
): Decision {
  // In the resource's own account an Allow naming the account adds nothing to its identity
  // policies; from another account it is the resource's half of the grant (resourceAccessDenial
  // still wants the identity's half).
  const owner = accountOf(resource);
  const sameAccount = owner === undefined || owner === principal.account;
  const now = clock.now();
  return evaluateResourcePolicy(policyText, (element, how) => names(element, principal, how), !sameAccount, {
    action, resource,
    context: {
      ...context,
      "aws:PrincipalArn": principal.roleArn ?? principal.arn, "aws:PrincipalAccount": principal.account, "aws:PrincipalType": principal.type,
      "aws:userid": principal.userId, "aws:username": principal.type === "User" ? principal.name : undefined, "aws:SourceIp": sourceIp,
      "aws:CurrentTime": now.toISOString(), "aws:EpochTime": String(Math.floor(now.getTime() / 1000)), "aws:SecureTransport": "false",
    },
  });
}

/**
 * A resource policy's answer for a service delivering on behalf of a resource (SNS delivering a
 * topic's message to a queue, EventBridge a rule's event to a queue, topic or bus): the statements
 * whose Principal is "*", `{"AWS": "*"}` or names the service (`{"Service": "sns.amazonaws.com"}`),
 * with the confused-deputy keys AWS supplies, aws:SourceArn (the topic's or rule's ARN) and
 * aws:SourceAccount (its account). `account`: an account whose naming also counts (a bus's policy
 * grants another account's rules by naming that account).
 */
export function serviceDeliveryDecision(
  policyText: string,
  { service, account, action, resource, sourceArn, clock }: { service: string; account?: string; action: string; resource: string; sourceArn: string; clock: Clock },
): Decision {
  const now = clock.now();
  return evaluateResourcePolicy(policyText, (element) => {
    if (element === "*") return "yes";
    if (typeof element !== "object" || element === null) return "no";
    const e = element as Record<string, unknown>;
    const named = list(e["Service"]).includes(service)
      || list(e["AWS"]).some((id) => id === "*" || (account !== undefined && (id === account || id === `arn:aws:iam::${account}:root`)));
    return named ? "yes" : "no";
  }, true, {
    action, resource,
    context: {
      "aws:SourceArn": sourceArn, "aws:SourceAccount": accountOf(sourceArn),
      "aws:CurrentTime": now.toISOString(), "aws:EpochTime": String(Math.floor(now.getTime() / 1000)), "aws:SecureTransport": "true",
    },
  });
}

/**
 * IAM's evaluation of the statements of a stored policy text that apply to the caller:
 * `names(element)` says whether a principal element names it, or only its account. A Principal
 * naming its account applies to a Deny always, to an Allow only when `accountGrants`; a
 * NotPrincipal applies to whoever it does not mention (notPrincipalApplies). Statements are normalised to the lists
 * IAM's evaluation reads; text that is not a policy allows nothing.
 */
function evaluateResourcePolicy(
  policyText: string,
  names: (element: unknown, how?: NamingRules) => Named,
  accountGrants: boolean,
  request: { action: string; resource: string; context: ConditionContext },
): Decision {
  let raw: { Statement?: unknown };
  try {
    raw = JSON.parse(policyText) as typeof raw;
  } catch {
    return "ImplicitDeny";
  }
  if (typeof raw !== "object" || raw === null) return "ImplicitDeny";
  const statements = (Array.isArray(raw.Statement) ? raw.Statement : [raw.Statement]) as Array<Record<string, unknown>>;
  const applicable: Statement[] = [];
  for (const s of statements) {
    if (typeof s !== "object" || s === null || (s.Effect !== "Allow" && s.Effect !== "Deny")) continue;
    if (s.Effect === "Allow" && !wellFormed(s)) continue;
    const named = s.Principal !== undefined ? names(s.Principal)
      : notPrincipalApplies(names(s.NotPrincipal, s.Effect === "Deny" ? { sessionsByRole: false } : {}), s.Effect as "Allow" | "Deny");
    if (named === "no" || (named === "account" && s.Effect === "Allow" && !accountGrants)) continue;
    applicable.push({
      Effect: s.Effect,
      ...(s.Action !== undefined ? { Action: list(s.Action) } : { NotAction: list(s.NotAction) }),
      ...(s.Resource !== undefined ? { Resource: list(s.Resource) } : s.NotResource !== undefined ? { NotResource: list(s.NotResource) } : {}),
      ...(s.Condition !== undefined ? { Condition: conditions(s.Condition) } : {}),
    });
  }
  if (applicable.length === 0) return "ImplicitDeny";
  const document: PolicyDocument = { Statement: applicable };
  return evaluatePolicies([document], request);
}

/** The account a resource's ARN names (arn:aws:SERVICE:REGION:ACCOUNT:...), undefined for "*". */
export function accountOf(arn: string): string | undefined {
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
  principal: PolicyCaller,
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

/**
 * Whether a statement has what IAM requires of one in a resource policy: a Principal (or
 * NotPrincipal), an Action (or NotAction), and a Condition, if any, of operators over key maps.
 * SQS, SNS and EventBridge store their Policy after a JSON check only, and read as written a
 * statement missing one of these would apply to everyone, every action or unconditionally: such
 * an Allow grants nothing. A Deny is applied as broadly as it reads.
 */
function wellFormed(s: Record<string, unknown>): boolean {
  const isMap = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  return (s.Principal !== undefined || s.NotPrincipal !== undefined)
    && (s.Action !== undefined || s.NotAction !== undefined)
    && (s.Condition === undefined || (isMap(s.Condition) && Object.values(s.Condition as object).every(isMap)));
}

type Named = "yes" | "account" | "no";

/**
 * Whether a NotPrincipal statement applies to a caller its element names as `named`. A Deny
 * spares only the callers it names themselves: naming their account spares the account's root,
 * not its users and roles (IAM's NotPrincipal documentation: Bob is spared by his own ARN, and the
 * account's ARN beside it keeps the account from being denied), and naming a role spares none of
 * its sessions, which IAM identifies by their session ARN (the documentation's example spares
 * arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app by
 * that ARN; the role's and the account's ARNs beside it only keep the role and the account from
 * being denied): the caller asks `names` with `sessionsByRole: false`. An Allow excludes whoever
 * it names, even by their account or role alone, so it never grants more than the element says.
 */
function notPrincipalApplies(named: Named, effect: "Allow" | "Deny"): Named {
  if (effect === "Deny") return named === "yes" ? "no" : "yes";
  return named === "no" ? "yes" : "no";
}

/** `sessionsByRole`: whether a role's ARN names its sessions (as a Principal does; a Deny's NotPrincipal does not). */
interface NamingRules { sessionsByRole?: boolean }

/**
 * Whether a principal element names the caller: itself ("yes"), its account only ("account"), or
 * not at all. An account's root is the account principal: naming the account (by id or root ARN) names it.
 */
function names(element: unknown, p: PolicyCaller, { sessionsByRole = true }: NamingRules = {}): Named {
  if (element === "*") return "yes";
  if (typeof element !== "object" || element === null) return "no";
  let result: Named = "no";
  for (const id of list((element as Record<string, unknown>)["AWS"])) {
    if (id === "*" || id === p.arn || (sessionsByRole && p.roleArn !== undefined && id === p.roleArn)) return "yes";
    if (id === p.account || id === `arn:aws:iam::${p.account}:root`) result = p.type === "Account" ? "yes" : "account";
  }
  return result;
}

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

/**
 * A delivery a service makes for a resource of one account (a topic's message, a rule's event) to
 * a resource with a policy of its own (a queue, a topic, a bus): an explicit Deny of the service
 * in the destination's policy refuses; into another account the policy must allow it
 * (serviceDeliveryDecision). Within one account an Allow is not required: Berth delivers without
 * one (docs/compatibility.md), where AWS wants the destination's policy to allow the service.
 * undefined when allowed, else AWS's words for the refusal.
 */
export function serviceDeliveryDenial(
  policyText: string | undefined,
  delivery: { service: string; account?: string; action: string; resource: string; sourceArn: string; clock: Clock },
): string | undefined {
  const { service, action, resource, sourceArn } = delivery;
  const decision: Decision = policyText === undefined ? "ImplicitDeny" : serviceDeliveryDecision(policyText, delivery);
  const refused = (why: string) => `User: ${service} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
  if (decision === "ExplicitDeny") return refused("with an explicit deny in a resource-based policy");
  if (decision === "Allow" || accountOf(sourceArn) === accountOf(resource)) return undefined;
  return refused(`because no resource-based policy allows the ${action} action`);
}
