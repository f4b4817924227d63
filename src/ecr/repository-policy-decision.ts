import type { Principal } from "../aws/request-context.js";
import type { Clock } from "../core/clock.js";
import { evaluatePolicies, type Decision } from "../iam/policy-evaluation.js";
import type { PolicyDocument, Statement } from "../iam/policy-document.js";

/**
 * A repository policy's answer for one principal asking one action on its repository: the
 * statements whose Principal names the caller (or whose NotPrincipal does not), evaluated by
 * IAM's own evaluation (policy-evaluation.ts) with the repository as their resource. The stored
 * text was validated by SetRepositoryPolicy (repository-policy.ts); here it is only normalised
 * to the lists IAM's evaluation reads.
 *
 * Who a principal element names, as IAM reads it: "*" everyone; a user's ARN that user; a role's
 * ARN every session of the role; a session's ARN that session; an account (its id or its root
 * ARN) every identity of the account, but, as IAM's documentation says of account principals,
 * an Allow for the account only delegates to the account's own identity policies and allows
 * nobody by itself, while a Deny for it applies to all its identities.
 */
export function repositoryPolicyDecision(
  policyText: string,
  principal: Principal,
  { action, resource, clock, sourceIp }: { action: string; resource: string; clock: Clock; sourceIp?: string },
): Decision {
  let raw: { Statement?: unknown };
  try {
    raw = JSON.parse(policyText) as typeof raw;
  } catch {
    return "ImplicitDeny";
  }
  const statements = (Array.isArray(raw.Statement) ? raw.Statement : [raw.Statement]) as Array<Record<string, unknown>>;
  const applicable: Statement[] = [];
  for (const s of statements) {
    if (typeof s !== "object" || s === null || (s.Effect !== "Allow" && s.Effect !== "Deny")) continue;
    const named = s.Principal !== undefined ? names(s.Principal, principal) : invert(names(s.NotPrincipal, principal));
    if (named === "no" || (named === "account" && s.Effect === "Allow")) continue;
    applicable.push({
      Effect: s.Effect,
      ...(s.Action !== undefined ? { Action: list(s.Action) } : { NotAction: list(s.NotAction) }),
      ...(s.Condition !== undefined ? { Condition: conditions(s.Condition) } : {}),
    });
  }
  if (applicable.length === 0) return "ImplicitDeny";
  const now = clock.now();
  const context = {
    "aws:PrincipalArn": principal.roleArn ?? principal.arn, "aws:PrincipalAccount": principal.account, "aws:PrincipalType": principal.type,
    "aws:userid": principal.userId, "aws:username": principal.type === "User" ? principal.name : undefined, "aws:SourceIp": sourceIp,
    "aws:CurrentTime": now.toISOString(), "aws:EpochTime": String(Math.floor(now.getTime() / 1000)), "aws:SecureTransport": "false",
  };
  const document: PolicyDocument = { Statement: applicable };
  return evaluatePolicies([document], { action, resource, context });
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
  for (const [operator, keys] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
    out[operator] = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, list(v)]));
  }
  return out;
}
