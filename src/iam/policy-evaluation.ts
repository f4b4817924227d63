import { BlockList, isIP } from "node:net";
import type { ConditionBlock, PolicyDocument, Principal, Statement } from "./policy-document.js";
import { substitutedText, usesVariables, valueMatcher, type VariableContext } from "./policy-variables.js";

/** What a request asks, as policies see it: `ecs:CreateCluster` on a resource, in a context. */
export interface AuthorizationRequest {
  action: string;
  resource: string;
  /** Condition keys (aws:SourceIp, aws:username, ...); absent keys are undefined. Names are case-insensitive. */
  context?: Record<string, string | string[] | undefined>;
}

/** ImplicitDeny: no statement allows it. ExplicitDeny: a Deny statement matches, which wins over any Allow. */
export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

/**
 * The identity-policy part of IAM's evaluation logic
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * an explicit Deny in any policy wins; otherwise an Allow allows; otherwise the request is
 * implicitly denied. Pure: the caller gathers the policies and the context.
 */
export function evaluatePolicies(policies: PolicyDocument[], request: AuthorizationRequest): Decision {
  let allowed = false;
  const context = lowerKeys(request.context ?? {});
  for (const policy of policies) {
    const variables = usesVariables(policy.Version);
    for (const statement of policy.Statement) {
      if (!statementApplies(statement, request, context, variables)) continue;
      if (statement.Effect === "Deny") return "ExplicitDeny";
      allowed = true;
    }
  }
  return allowed ? "Allow" : "ImplicitDeny";
}

/** A trust policy's answer for a principal asking `action` (sts:AssumeRole): principals matched, no Deny. */
export function trustAllows(policy: PolicyDocument, principal: { aws?: string[]; service?: string }, action: string, context: AuthorizationRequest["context"] = {}): boolean {
  let allowed = false;
  const ctx = lowerKeys(context);
  const variables = usesVariables(policy.Version);
  for (const statement of policy.Statement) {
    const principalMatches = statement.Principal !== undefined
      ? principalIncludes(statement.Principal, principal)
      : !principalIncludes(statement.NotPrincipal!, principal);
    if (!principalMatches || !actionMatches(statement, action) || !conditionsHold(statement.Condition, ctx, variables)) continue;
    if (statement.Effect === "Deny") return false;
    allowed = true;
  }
  return allowed;
}

function principalIncludes(p: Principal, who: { aws?: string[]; service?: string }): boolean {
  if (p === "*") return true;
  const services = p["Service"] ?? [];
  if (who.service !== undefined && services.some((s) => s === "*" || s === who.service)) return true;
  // An account (123456789012 or arn:aws:iam::123456789012:root) trusts every identity of that account.
  const aws = p["AWS"] ?? [];
  return (who.aws ?? []).some((id) => aws.some((a) => a === "*" || a === id));
}

function statementApplies(s: Statement, r: AuthorizationRequest, context: VariableContext, variables: boolean): boolean {
  if (!actionMatches(s, r.action)) return false;
  // A resource pattern whose variable has no value matches nothing (so a NotResource with it excludes nothing).
  const matches = (p: string) => valueMatcher(p, context, { variables, glob: true })?.test(r.resource) ?? false;
  const resourceMatches = s.Resource !== undefined ? s.Resource.some(matches) : s.NotResource !== undefined ? !s.NotResource.some(matches) : true;
  return resourceMatches && conditionsHold(s.Condition, context, variables);
}

function actionMatches(s: Statement, action: string): boolean {
  if (s.Action !== undefined) return s.Action.some((p) => wildcard(p, action, true));
  return !(s.NotAction ?? []).some((p) => wildcard(p, action, true));
}

/** IAM's glob: `*` any run of characters, `?` one character. Actions compare case-insensitively, resources exactly. */
export function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

function lowerKeys(context: Record<string, string | string[] | undefined>): VariableContext {
  const out: VariableContext = {};
  for (const [k, v] of Object.entries(context)) out[k.toLowerCase()] = v === undefined ? undefined : Array.isArray(v) ? v : [v];
  return out;
}

/** Every operator and every key of a condition block must hold (AND); a key's values are alternatives (OR). */
function conditionsHold(block: ConditionBlock | undefined, context: VariableContext, variables: boolean): boolean {
  if (block === undefined) return true;
  for (const [fullOperator, keys] of Object.entries(block)) {
    for (const [key, expected] of Object.entries(keys)) {
      if (!conditionHolds(fullOperator, context[key.toLowerCase()], expected, { context, variables })) return false;
    }
  }
  return true;
}

/** Operators whose meaning is "none of the values matches": a missing key satisfies them. */
const NEGATED = /^(StringNot|ArnNot|NotIpAddress$|NumericNotEquals$|DateNotEquals$)/;

type Substitution = { context: VariableContext; variables: boolean };

function conditionHolds(fullOperator: string, actual: string[] | undefined, expected: string[], substitution: Substitution): boolean {
  let operator = fullOperator;
  let setOperator: "ForAnyValue" | "ForAllValues" | undefined;
  const colon = operator.indexOf(":");
  if (colon >= 0) {
    setOperator = operator.slice(0, colon) as "ForAnyValue" | "ForAllValues";
    operator = operator.slice(colon + 1);
  }
  const ifExists = operator.endsWith("IfExists");
  if (ifExists) operator = operator.slice(0, -"IfExists".length);

  if (operator === "Null") return expected.some((e) => (e === "true") === (actual === undefined || actual.length === 0));
  if (actual === undefined || actual.length === 0) return ifExists || setOperator === "ForAllValues" || (setOperator === undefined && NEGATED.test(operator));
  const negated = NEGATED.test(operator);
  const base = negated ? operator.replace(/^(String|Arn|Numeric|Date)Not/, "$1").replace(/^NotIpAddress$/, "IpAddress") : operator;
  const one = (value: string) => {
    const hit = expected.some((e) => matchValue(base, value, e, substitution));
    return negated ? !hit : hit;
  };
  if (setOperator === "ForAllValues") return actual.every(one);
  // Single-valued keys and ForAnyValue: one of the request's values satisfies the operator.
  return actual.some(one);
}

/** String and ARN operators compare with the expected value's variables substituted (literally); the others with its text. */
function matchValue(operator: string, actual: string, template: string, { context, variables }: Substitution): boolean {
  const like = (glob: boolean, ignoreCase = false) => valueMatcher(template, context, { variables, glob, ignoreCase })?.test(actual) ?? false;
  switch (operator) {
    case "StringEquals": return like(false);
    case "StringEqualsIgnoreCase": return like(false, true);
    case "StringLike": case "ArnEquals": case "ArnLike": return like(true);
  }
  const expected = substitutedText(template, context, variables);
  if (expected === undefined) return false;
  switch (operator) {
    case "NumericEquals": return Number(actual) === Number(expected);
    case "NumericLessThan": return Number(actual) < Number(expected);
    case "NumericLessThanEquals": return Number(actual) <= Number(expected);
    case "NumericGreaterThan": return Number(actual) > Number(expected);
    case "NumericGreaterThanEquals": return Number(actual) >= Number(expected);
    case "DateEquals": return toTime(actual) === toTime(expected);
    case "DateLessThan": return toTime(actual) < toTime(expected);
    case "DateLessThanEquals": return toTime(actual) <= toTime(expected);
    case "DateGreaterThan": return toTime(actual) > toTime(expected);
    case "DateGreaterThanEquals": return toTime(actual) >= toTime(expected);
    case "Bool": return actual.toLowerCase() === expected.toLowerCase();
    case "IpAddress": return inCidr(actual, expected);
    // An operator Berth does not know matches nothing, so an Allow that depends on it does not allow.
    default: return false;
  }
}

/** Epoch seconds or an ISO 8601 date, as IAM's date conditions take them. */
const toTime = (s: string) => (/^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s));

function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split("/");
  const family = isIP(net ?? "");
  if (!family || isIP(ip) !== family) return false;
  const list = new BlockList();
  const type = family === 4 ? "ipv4" : "ipv6";
  list.addSubnet(net!, bits === undefined ? (family === 4 ? 32 : 128) : Number(bits), type);
  return list.check(ip, type);
}
