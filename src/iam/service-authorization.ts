import type { RequestContext } from "../aws/request-context.js";
import type { Db } from "../store/database.js";

/** One call as a service's resource table sees it. */
export interface AuthorizedCall {
  db: Db;
  ctx: RequestContext;
  input: Record<string, unknown>;
  /** A string member of the input, else undefined. */
  str(member: string): string | undefined;
  /** A list member's strings; [] when absent. */
  list(member: string): string[];
  /** arn:aws:SERVICE:REGION:ACCOUNT:`resource`, in the caller's account and region. */
  arn(resource: string): string;
}

/**
 * What identity-policy enforcement needs to know of one service, declared beside the service as
 * the Service Authorization Reference lists it: the resource ARNs each operation is authorized on
 * (every one must be allowed; an operation absent from the table is authorized on "*"), and where
 * a resource's tags are (aws:ResourceTag/<key>) when not in the shared tags table under its ARN.
 */
export interface ServiceAuthorization {
  /** The service part of its ARNs (elasticloadbalancing, ...). */
  arnService: string;
  resources: Record<string, (call: AuthorizedCall) => string[]>;
  tagsOf?(db: Db, arn: string): Record<string, string> | undefined;
  /**
   * The resource-based policy a resource carries (a queue's, topic's or bus's Policy), if any.
   * A service that has them gets its calls decided by the identity and the resource policy
   * together (resource-policy-decision.ts); a resource without one, by the identity alone in its
   * own account, and not at all from another account.
   */
  resourcePolicy?(db: Db, arn: string): string | undefined;
  /**
   * Operations whose resources in another account the service decides entry by entry, with their
   * policies (EventBridge's PutEvents: an entry for a bus whose policy refuses the caller fails
   * alone). On those resources the gateway asks only the caller's identity policies.
   */
  perEntry?: string[];
  /**
   * What an operation also needs the caller to be allowed, beyond its own action: the Service
   * Authorization Reference's "dependent actions", such as iam:PassRole of each role the call hands
   * to the service (pass-role.ts).
   */
  dependentActions?: Record<string, (call: AuthorizedCall) => DependentAction[]>;
  /** Operations authorized as another action (SQS's SendMessageBatch is sqs:SendMessage). */
  actions?: Record<string, string>;
  /** The service's own condition keys an operation sets (ecs:cluster, ecs:container-name, ...), by operation. */
  conditions?: Record<string, (call: AuthorizedCall) => Record<string, string | undefined>>;
  /**
   * How the service words a refusal when it differs from AccessDeniedException naming
   * `prefix:Operation`: SNS answers AuthorizationError (403) naming `SNS:Publish`; SQS answers
   * AccessDenied (403) naming `sqs:sendmessage`.
   */
  refusal?: { code?: string; status?: number; shownAction?: (action: string) => string };
}

/** One action on one resource a call also needs, with the condition keys it is evaluated with. */
export interface DependentAction { action: string; resource: string; context?: Record<string, string | string[] | undefined> }

/** The shared tags table's tags of an ARN (ECS, ECR, Secrets Manager, SSM, Logs, ELBv2, CloudWatch, EventBridge, ...). */
export function sharedTags(db: Db, arn: string): Record<string, string> {
  const rows = db.prepare("SELECT key, value FROM tags WHERE arn = ?").all(arn) as { key: string; value: string }[];
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/**
 * aws:ResourceTag/<key> of a resource: its tags where its service keeps them (the table whose
 * arnService its ARN names), else in the shared tags table. "*" has none.
 */
export function resourceTagContext(db: Db, arn: string, tables: Iterable<ServiceAuthorization>): Record<string, string> {
  if (!arn.startsWith("arn:")) return {};
  const service = arn.split(":")[2];
  let table: ServiceAuthorization | undefined;
  for (const t of tables) if (t.arnService === service) table = t;
  const tags = table?.tagsOf?.(db, arn) ?? sharedTags(db, arn);
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
}

/** The last segment of a name-or-ARN (a bus or cluster named by ARN: its name). */
export const nameOf = (ref: string, separator = "/") => (ref.startsWith("arn:") ? ref.slice(ref.lastIndexOf(separator) + 1) : ref);
