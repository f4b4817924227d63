/**
 * Repository policy documents, checked as ECR checks them before storing: an IAM
 * resource-based policy (Version, optional Id, Statement) whose statements have an Effect, a
 * Principal (or NotPrincipal), an Action (or NotAction) and optionally a Sid and a Condition.
 * ECR refuses a Resource (or NotResource) element in a repository policy: the repository is
 * the resource. Any violation is the one error ECR gives, "Invalid repository policy
 * provided"; this module only says whether the document is valid.
 *
 * Berth has no IAM, so a stored policy is never evaluated; it is kept and returned as ECR
 * would, for tools that manage it (Terraform, CDK, the CLI).
 */
export type PolicyDocument = { Version?: string; Id?: string; Statement: Statement[] };

type Statement = Record<string, unknown>;

const VERSIONS = new Set(["2012-10-17", "2008-10-17"]);
const TOP_KEYS = new Set(["Version", "Id", "Statement"]);
const STATEMENT_KEYS = new Set(["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Condition"]);
const RESOURCE_KEYS = new Set(["Resource", "NotResource"]);
const PRINCIPAL_TYPES = new Set(["AWS", "Service", "Federated", "CanonicalUser"]);

const ACTION = /^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$/;
const AWS_PRINCIPAL = /^(\*|\d{12}|arn:aws(-cn|-us-gov|-iso|-iso-b)?:(iam::\d{12}:(root|(user|role|group)\/[\w+=,.@/-]+)|sts::\d{12}:(assumed-role|federated-user)\/[\w+=,.@/-]+))$/;
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/;
const CANONICAL_USER = /^[a-f0-9]{64}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown): v is string => typeof v === "string" && v !== "";

/** A string or a non-empty list of strings, as IAM allows for actions and principals. */
function stringList(v: unknown): string[] | undefined {
  if (nonEmptyString(v)) return [v];
  if (Array.isArray(v) && v.length > 0 && v.every(nonEmptyString)) return v;
  return undefined;
}

/** The parsed document, or undefined when ECR would refuse it. */
export function parseRepositoryPolicy(text: string, { resource = false }: { resource?: boolean } = {}): PolicyDocument | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(doc) || Object.keys(doc).some((k) => !TOP_KEYS.has(k))) return undefined;
  if (doc.Version !== undefined && !(typeof doc.Version === "string" && VERSIONS.has(doc.Version))) return undefined;
  if (doc.Id !== undefined && typeof doc.Id !== "string") return undefined;
  const statements = isObject(doc.Statement) ? [doc.Statement] : doc.Statement;
  if (!Array.isArray(statements) || statements.length === 0 || !statements.every((st) => validStatement(st, resource))) return undefined;
  const sids = statements.map((s) => s.Sid).filter((s) => s !== undefined && s !== "");
  if (new Set(sids).size !== sids.length) return undefined;
  return { ...(doc as object), Statement: statements } as PolicyDocument;
}

/** `resource`: a registry policy names the repositories it covers (Resource); a repository policy may not. */
function validStatement(s: unknown, resource: boolean): s is Statement {
  if (!isObject(s) || Object.keys(s).some((k) => !STATEMENT_KEYS.has(k) && !(resource && RESOURCE_KEYS.has(k)))) return false;
  if (resource && s.Resource !== undefined && !stringList(s.Resource)) return false;
  if (s.Sid !== undefined && typeof s.Sid !== "string") return false;
  if (s.Effect !== "Allow" && s.Effect !== "Deny") return false;
  if ((s.Principal === undefined) === (s.NotPrincipal === undefined)) return false;
  if (!validPrincipal(s.Principal ?? s.NotPrincipal)) return false;
  if ((s.Action === undefined) === (s.NotAction === undefined)) return false;
  const actions = stringList(s.Action ?? s.NotAction);
  if (!actions || !actions.every((a) => ACTION.test(a))) return false;
  return s.Condition === undefined || validCondition(s.Condition);
}

function validPrincipal(p: unknown): boolean {
  if (p === "*") return true;
  if (!isObject(p) || Object.keys(p).length === 0) return false;
  return Object.entries(p).every(([type, value]) => {
    if (!PRINCIPAL_TYPES.has(type)) return false;
    const ids = stringList(value);
    if (!ids) return false;
    if (type === "AWS") return ids.every((id) => AWS_PRINCIPAL.test(id));
    if (type === "Service") return ids.every((id) => SERVICE_PRINCIPAL.test(id));
    if (type === "CanonicalUser") return ids.every((id) => CANONICAL_USER.test(id));
    return true;
  });
}

/** {operator: {key: value or values}}, values being strings, numbers or booleans. */
function validCondition(c: unknown): boolean {
  if (!isObject(c)) return false;
  const scalar = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
  return Object.values(c).every(
    (block) => isObject(block) && Object.keys(block).length > 0 && Object.values(block).every((v) => scalar(v) || (Array.isArray(v) && v.every(scalar))),
  );
}

/**
 * Whether the policy would deny everyone ecr:SetRepositoryPolicy unconditionally, so that no
 * later policy could replace it: ECR asks for `force` before setting such a policy.
 */
export function locksOutPolicyChanges(doc: PolicyDocument): boolean {
  return doc.Statement.some((s) => {
    if (s.Effect !== "Deny" || s.Condition !== undefined || s.Principal === undefined) return false;
    const everyone = s.Principal === "*" || (stringList((s.Principal as Record<string, unknown>).AWS) ?? []).includes("*");
    if (!everyone) return false;
    const matches = (list: unknown) => (stringList(list) ?? []).some((a) => wildcard(a).test("ecr:SetRepositoryPolicy"));
    return s.Action !== undefined ? matches(s.Action) : !matches(s.NotAction);
  });
}

/** IAM action wildcards: '*' any run, '?' one character, case-insensitive. */
function wildcard(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}
