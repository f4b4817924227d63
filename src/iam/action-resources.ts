import type { RequestContext } from "../aws/request-context.js";
import type { Db } from "../store/database.js";
import { iamArn } from "./iam-common.js";
import { findRole } from "./roles.js";
import { findUser } from "./users.js";
import type { AuthorizedCall, ServiceAuthorization } from "./service-authorization.js";

/**
 * The resources a call is authorized on, as the Service Authorization Reference lists them for
 * the actions users scope by resource: IAM's roles, users and policies, STS AssumeRole's role,
 * ECR's repositories, any service's TagResource/UntagResource/ListTagsForResource ARN, and what
 * the other services' own tables say (`table`, beside each service: src/ecs/authorization.ts,
 * ...). A call that names several (DescribeClusters' clusters) is allowed only when every one
 * is. Every other call is evaluated on "*" (docs/compatibility.md lists which).
 */
export function actionResources(db: Db, ctx: RequestContext, service: string, operation: string, input: Record<string, unknown>, table?: ServiceAuthorization): string[] {
  const str = (k: string) => (typeof input[k] === "string" ? (input[k] as string) : undefined);
  const list = (k: string) => (Array.isArray(input[k]) ? (input[k] as unknown[]).filter((v): v is string => typeof v === "string") : undefined);
  const tagged = str("resourceArn") ?? str("ResourceArn") ?? str("ResourceARN");
  if (tagged !== undefined && /^(TagResource|UntagResource|ListTagsForResource)$/.test(operation)) return [tagged];
  let resources: string[];
  switch (service) {
    case "sts": resources = [str("RoleArn") ?? "*"]; break;
    case "iam": resources = [iamResource(db, ctx, str)]; break;
    case "ecr": resources = ecrResources(ctx, operation, str, list); break;
    default: {
      const of = table && Object.hasOwn(table.resources, operation) ? table.resources[operation] : undefined;
      resources = of ? of(authorizedCall(db, ctx, input, table)) : ["*"];
    }
  }
  // A call that names no resource at all (an empty list) is still a call: it is evaluated on "*".
  return resources.length ? resources : ["*"];
}

/** One call as a service's resource table (and its dependent actions) see it. */
export function authorizedCall(db: Db, ctx: RequestContext, input: Record<string, unknown>, table?: ServiceAuthorization): AuthorizedCall {
  const str = (k: string) => (typeof input[k] === "string" ? (input[k] as string) : undefined);
  const list = (k: string) => (Array.isArray(input[k]) ? (input[k] as unknown[]).filter((v): v is string => typeof v === "string") : []);
  return { db, ctx, input, str, list, arn: (r) => `arn:aws:${table?.arnService}:${ctx.region}:${ctx.account}:${r}` };
}

function iamResource(db: Db, ctx: RequestContext, str: (k: string) => string | undefined): string {
  const role = str("RoleName");
  if (role !== undefined) return findRole(db, ctx.account, role)?.Arn ?? iamArn(ctx.account, "role", str("Path") ?? "/", role);
  const user = str("UserName");
  if (user !== undefined) return findUser(db, ctx.account, user)?.Arn ?? iamArn(ctx.account, "user", str("Path") ?? "/", user);
  return str("PolicyArn") ?? "*";
}

/** Every ECR action that names a repository is authorized on it; GetAuthorizationToken and registry-wide calls on "*". */
function ecrResources(ctx: RequestContext, operation: string, str: (k: string) => string | undefined, list: (k: string) => string[] | undefined): string[] {
  const repository = (name: string) => `arn:aws:ecr:${ctx.region}:${str("registryId") ?? ctx.account}:repository/${name}`;
  if (operation === "DescribeRepositories") {
    const names = list("repositoryNames");
    return names?.length ? names.map(repository) : [repository("*")];
  }
  const name = str("repositoryName");
  return [name === undefined ? "*" : repository(name)];
}
