import { malformedPolicy } from "./errors.js";

/** A condition block: operator -> condition key -> values (always a list here). */
export type ConditionBlock = Record<string, Record<string, string[]>>;

/** `"*"` or principal type (AWS, Service, Federated, CanonicalUser) -> values. */
export type Principal = "*" | Record<string, string[]>;

/** One statement, normalised: every string-or-list element is a list. */
export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: Principal;
  NotPrincipal?: Principal;
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version?: string;
  Statement: Statement[];
}

/**
 * Identity policies (inline, managed) name resources and no principal; trust policies the reverse.
 * Resource policies (a secret's, ...) name a principal and may name resources.
 */
export type PolicyKind = "identity" | "trust" | "resource";

const TOP_LEVEL = new Set(["Version", "Id", "Statement"]);
const STATEMENT_KEYS = new Set(["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"]);
const PRINCIPAL_TYPES = new Set(["AWS", "Service", "Federated", "CanonicalUser"]);
/** The actions a trust policy may grant: the STS calls that start or decorate a role session. */
const TRUST_ACTION = /^sts:(\*|AssumeRole\*?|AssumeRoleWith(SAML|WebIdentity)|TagSession|SetSourceIdentity|SetContext)$/i;

// IAM's messages for the problems it names; everything else it answers "Syntax errors in policy."
const INVALID_JSON = "This policy contains invalid Json";
const SYNTAX = "Syntax errors in policy.";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A string, or a non-empty list of strings, as a list; else a syntax error. */
function stringList(v: unknown): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((s) => typeof s === "string")) throw malformedPolicy(SYNTAX);
  return list as string[];
}

/**
 * Parses and validates a policy document as IAM does on CreateRole, PutRolePolicy, CreatePolicy
 * and the like, with IAM's MalformedPolicyDocument messages. Written here: no maintained library
 * validates IAM's grammar (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html).
 */
export function parsePolicyDocument(text: string, kind: PolicyKind): PolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw malformedPolicy(INVALID_JSON);
  }
  if (!isObject(raw)) throw malformedPolicy(INVALID_JSON);
  if (Object.keys(raw).some((k) => !TOP_LEVEL.has(k))) throw malformedPolicy(SYNTAX);
  const version = raw["Version"];
  if (version !== undefined && version !== "2012-10-17" && version !== "2008-10-17") throw malformedPolicy(SYNTAX);
  const statements = Array.isArray(raw["Statement"]) ? raw["Statement"] : raw["Statement"] === undefined ? [] : [raw["Statement"]];
  if (statements.length === 0) throw malformedPolicy(SYNTAX);
  return { ...(version === undefined ? {} : { Version: version }), Statement: statements.map((s) => parseStatement(s, kind)) };
}

function parseStatement(raw: unknown, kind: PolicyKind): Statement {
  if (!isObject(raw) || Object.keys(raw).some((k) => !STATEMENT_KEYS.has(k))) throw malformedPolicy(SYNTAX);
  const { Sid, Effect } = raw;
  if (Sid !== undefined && typeof Sid !== "string") throw malformedPolicy(SYNTAX);
  if (Effect !== "Allow" && Effect !== "Deny") throw malformedPolicy(SYNTAX);
  const statement: Statement = { ...(Sid === undefined ? {} : { Sid }), Effect };

  if (raw["Action"] !== undefined && raw["NotAction"] !== undefined) throw malformedPolicy(SYNTAX);
  if (raw["Action"] === undefined && raw["NotAction"] === undefined) throw malformedPolicy("Policy statement must contain actions.");
  for (const key of ["Action", "NotAction"] as const) {
    if (raw[key] === undefined) continue;
    const actions = stringList(raw[key]);
    for (const action of actions) {
      if (action !== "*" && !/^[A-Za-z0-9-]+:[^:]*$/.test(action)) {
        throw malformedPolicy(action.split(":").length > 2 ? "Actions/Condition can contain only one colon." : "Actions/Conditions must be prefaced by a vendor, e.g., iamcore, s3, etc.");
      }
      if (kind === "trust" && key === "Action" && action !== "*" && !TRUST_ACTION.test(action)) throw malformedPolicy("AssumeRole policy may only specify STS AssumeRole actions.");
    }
    statement[key] = actions;
  }

  const hasPrincipal = raw["Principal"] !== undefined || raw["NotPrincipal"] !== undefined;
  const hasResource = raw["Resource"] !== undefined || raw["NotResource"] !== undefined;
  if (kind === "identity" && hasPrincipal) throw malformedPolicy("Policy document should not specify a principal.");
  if (kind === "identity" && !hasResource) throw malformedPolicy("Policy statement must contain resources.");
  if (kind === "trust" && hasResource) throw malformedPolicy("Has prohibited field Resource.");
  if (kind !== "identity" && !hasPrincipal) throw malformedPolicy("Missing required field Principal.");
  if (hasResource) {
    if (raw["Resource"] !== undefined && raw["NotResource"] !== undefined) throw malformedPolicy(SYNTAX);
    for (const key of ["Resource", "NotResource"] as const) {
      if (raw[key] === undefined) continue;
      const resources = stringList(raw[key]);
      for (const r of resources) {
        if (r !== "*" && !/^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+$/.test(r)) throw malformedPolicy(`Resource ${r} must be in ARN format or "*".`);
      }
      statement[key] = resources;
    }
  }
  if (hasPrincipal) {
    if (raw["Principal"] !== undefined && raw["NotPrincipal"] !== undefined) throw malformedPolicy(SYNTAX);
    for (const key of ["Principal", "NotPrincipal"] as const) {
      if (raw[key] !== undefined) statement[key] = parsePrincipal(raw[key]);
    }
  }
  if (raw["Condition"] !== undefined) statement.Condition = parseCondition(raw["Condition"]);
  return statement;
}

function parsePrincipal(raw: unknown): Principal {
  if (raw === "*") return "*";
  if (!isObject(raw) || Object.keys(raw).length === 0) throw malformedPolicy(SYNTAX);
  const principal: Record<string, string[]> = {};
  for (const [type, value] of Object.entries(raw)) {
    if (!PRINCIPAL_TYPES.has(type)) throw malformedPolicy(SYNTAX);
    const values = stringList(value);
    for (const v of values) {
      const valid = type === "AWS" ? v === "*" || /^\d{12}$/.test(v) || /^arn:aws[a-z-]*:(iam|sts)::\d{12}:.+$/.test(v)
        : type === "Service" ? /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(v) || v === "*"
        : v.length > 0;
      if (!valid) throw malformedPolicy(`Invalid principal in policy: "${type}":"${v}"`);
    }
    principal[type] = values;
  }
  return principal;
}

function parseCondition(raw: unknown): ConditionBlock {
  if (!isObject(raw)) throw malformedPolicy(SYNTAX);
  const block: ConditionBlock = {};
  for (const [operator, keys] of Object.entries(raw)) {
    if (!isObject(keys) || Object.keys(keys).length === 0) throw malformedPolicy(SYNTAX);
    block[operator] = {};
    for (const [key, value] of Object.entries(keys)) {
      const list = Array.isArray(value) ? value : [value];
      if (!list.every((v) => ["string", "number", "boolean"].includes(typeof v))) throw malformedPolicy(SYNTAX);
      block[operator]![key] = list.map(String);
    }
  }
  return block;
}
