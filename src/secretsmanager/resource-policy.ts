import { ServiceError } from "../core/errors.js";
import { formatPolicyText } from "../ecr/policy-text.js";
import { parsePolicyDocument, type PolicyDocument, type Statement } from "../iam/policy-document.js";

/**
 * A secret's resource-based policy (PutResourcePolicy): its grammar, the check of broad access
 * BlockPublicPolicy and ValidateResourcePolicy make, and the text GetResourcePolicy returns.
 */

/** Secrets Manager's words for a policy it cannot parse, whatever the fault. */
const INVALID_SYNTAX = "This policy has invalid syntax.";
export const malformedPolicyDocument = () => new ServiceError("MalformedPolicyDocumentException", INVALID_SYNTAX);
export const publicPolicy = () =>
  new ServiceError("PublicPolicyException", "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.");

/**
 * The policy parsed as IAM parses a resource-based policy (a Principal in every statement, a
 * Resource optional); MalformedPolicyDocumentException when it is not one.
 */
export function parseSecretPolicy(text: string): PolicyDocument {
  try {
    return parsePolicyDocument(text, "resource");
  } catch (err) {
    if (err instanceof ServiceError) throw malformedPolicyDocument();
    throw err;
  }
}

/**
 * Condition keys that tie a statement to known callers (an account, an organization, a network,
 * a source resource): a statement whose wildcard principal is restricted by one of them does not
 * grant broad access.
 */
const RESTRICTING_KEYS = new Set([
  "aws:principalaccount", "aws:principalarn", "aws:principalorgid", "aws:principalorgpaths", "aws:userid", "aws:username",
  "aws:sourceaccount", "aws:sourcearn", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceip",
]);

/** An operator that narrows to the values it lists (not a negation, not an IfExists that passes when the key is absent, not Null). */
const narrows = (operator: string) => !/Not|IfExists$|^Null$/.test(operator);

function restricted(s: Statement): boolean {
  return Object.entries(s.Condition ?? {}).some(([operator, keys]) =>
    narrows(operator) && Object.entries(keys).some(([key, values]) => RESTRICTING_KEYS.has(key.toLowerCase()) && values.length > 0 && !values.includes("*")));
}

/**
 * Whether a policy grants broad access, as BlockPublicPolicy refuses it. AWS asks Zelkova, an
 * automated reasoner, over the whole policy; this approximates it statement by statement
 * (docs/compatibility.md): an Allow whose Principal is "*" or names AWS "*", or that uses
 * NotPrincipal, with no condition restricting it to known callers (RESTRICTING_KEYS), is public.
 */
export function grantsBroadAccess(policy: PolicyDocument): boolean {
  return policy.Statement.some((s) => {
    if (s.Effect !== "Allow") return false;
    const wildcard = s.NotPrincipal !== undefined || s.Principal === "*" || (typeof s.Principal === "object" && (s.Principal["AWS"] ?? []).includes("*"));
    return wildcard && !restricted(s);
  });
}

export interface ValidationError { CheckName: string; ErrorMessage: string }

/**
 * ValidateResourcePolicy's verdict: the grammar, then broad access. Text that is not JSON at all
 * is MalformedPolicyDocumentException, as AWS answers it; a JSON document that breaks the policy
 * grammar or grants broad access fails validation with one entry naming the check.
 */
export function validationErrors(text: string): ValidationError[] {
  try {
    JSON.parse(text);
  } catch {
    throw malformedPolicyDocument();
  }
  let policy: PolicyDocument;
  try {
    policy = parseSecretPolicy(text);
  } catch {
    return [{ CheckName: "SYNTAX_CHECK", ErrorMessage: INVALID_SYNTAX }];
  }
  if (grantsBroadAccess(policy)) return [{ CheckName: "PUBLIC_POLICY_CHECK", ErrorMessage: "The resource policy grants broad access to the secret: a wildcard principal without a condition that restricts it." }];
  return [];
}

/** A one-string list as the string: how Secrets Manager gives back `"AWS": ["arn..."]`. */
function collapse(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 1 && typeof v[0] === "string" ? v[0] : v.map(collapse);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, collapse(x)]));
  return v;
}

/**
 * The text GetResourcePolicy returns: Secrets Manager re-serialises the policy it stores with
 * Jackson's pretty printer (as ECR does: policy-text.ts), a list of one string written as the string.
 */
export const storedPolicyText = (text: string): string => formatPolicyText(collapse(JSON.parse(text)));
