import type { Scope } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import type { Db } from "../store/database.js";
import { identityPolicies, type IdentityPolicies } from "../iam/identity-decision.js";
import { accountRoot, resourceAccessDenial, type PolicyCaller } from "../iam/resource-policy-decision.js";
import { findRepository, type RepositoryRecord } from "../registry/repositories.js";
import type { RegistryRequest } from "../registry/http/plugin.js";
import type { Route } from "../registry/http/route-path.js";
import { templateFor } from "./creation-templates.js";
import { coveredByPullThrough } from "./pull-through.js";

/**
 * ECR's authorization of the registry's /v2 requests (iamEnforcement): the principal a registry
 * token was issued to (auth-token.ts) must be allowed the ECR actions the request stands for on
 * the repository's ARN, by its identity policies or by the repository's policy, with no explicit
 * Deny in either, as IAM evaluates a same-account request
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html);
 * a principal of another account needs both. The root (a token without a principal) is never
 * refused in its own account; another account's root (a token GetAuthorizationToken issued it for
 * this registry) is let in only where the repository's policy allows its account, as IAM
 * evaluates a cross-account root (iam/resource-policy-decision.ts). A request for a repository that does not exist is let through to its NAME_UNKNOWN,
 * unless it would create one (create-on-push, pull-through cache), which needs
 * ecr:CreateRepository (and ecr:BatchImportUpstreamImage for the cache) first.
 */
export interface RegistryPermissions {
  /** The /v2 hook (registry/http/plugin.ts): undefined when allowed, else the DENIED message. */
  authorize(request: RegistryRequest): string | undefined;
  /**
   * `principal` asking `action` on `resource` with its identity policies `identity`, and, when the
   * resource is an ECR repository, that repository's policy: undefined when allowed, else
   * AWS's message. For the ECR API's calls (iam/authorize.ts) and callers that evaluate on a
   * principal's behalf (the execution role gate); `sourceIp` is the caller's (aws:SourceIp).
   */
  denial(principal: PolicyCaller, identity: Pick<IdentityPolicies, "decide">, action: string, resource: string, sourceIp?: string): string | undefined;
}

/** A root's identity: nothing of its own refuses it. */
const EVERYTHING = { decide: () => undefined };

const PULL_THROUGH_ACTIONS = ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"];

/**
 * The ECR actions each /v2 endpoint stands for, as ECR's documentation lists them for docker
 * pull and push: a manifest read is BatchGetImage, a layer read GetDownloadUrlForLayer, a
 * layer's HEAD (the client asking whether the layer is there) BatchCheckLayerAvailability, an
 * upload InitiateLayerUpload, UploadLayerPart and CompleteLayerUpload, a manifest write
 * PutImage. ECR has no delete, tag-list, referrers or catalog endpoint of its own to copy:
 * Berth's take the ECR API action that does the same (BatchDeleteImage, ListImages,
 * DescribeRepositories).
 */
export function registryActions(route: Route, method: string): string[] {
  const read = method === "GET" || method === "HEAD";
  switch (route.kind) {
    case "manifest": return read ? ["ecr:BatchGetImage"] : method === "PUT" ? ["ecr:PutImage"] : ["ecr:BatchDeleteImage"];
    case "blob": return method === "HEAD" ? ["ecr:BatchCheckLayerAvailability"] : read ? ["ecr:GetDownloadUrlForLayer"] : ["ecr:BatchDeleteImage"];
    case "uploads": return ["ecr:InitiateLayerUpload"];
    case "upload": return method === "PUT" ? ["ecr:CompleteLayerUpload"] : ["ecr:UploadLayerPart"];
    case "tags": case "referrers": return ["ecr:ListImages"];
    case "catalog": return ["ecr:DescribeRepositories"];
    default: return [];
  }
}

const repositoryArn = (scope: Scope, name: string) => `arn:aws:ecr:${scope.region}:${scope.account}:repository/${name}`;
const REPOSITORY_ARN = /^arn:aws[a-z-]*:ecr:([a-z0-9-]+):(\d{12}):repository\/(.+)$/;

export function createRegistryPermissions({ db, clock }: { db: Db; clock: Clock }): RegistryPermissions {
  /** The repository's policy as stored by SetRepositoryPolicy (repository-policies.ts), if any. */
  const policyOf = (repo: RepositoryRecord | undefined): string | undefined => {
    const text = repo?.settings["repositoryPolicyText"];
    return typeof text === "string" ? text : undefined;
  };

  /** The identity and the repository policy together (iam/resource-policy-decision.ts), as IAM evaluates them. */
  const combined = (principal: PolicyCaller, identity: Pick<IdentityPolicies, "decide">, action: string, resource: string, policyText: string | undefined, sourceIp?: string) =>
    resourceAccessDenial(principal, identity, { action, resource, policyText, clock, sourceIp });

  return {
    authorize({ caller, route, method, sourceIp }) {
      const { scope } = caller;
      const principal: PolicyCaller | undefined = caller.principal ?? (caller.rootOf !== undefined ? accountRoot(caller.rootOf) : undefined);
      if (!principal || !("name" in route || route.kind === "catalog")) return undefined;
      // A root has no identity policies to refuse it: only the repository's policy decides.
      const identity = caller.principal ? identityPolicies(db, clock, caller.principal, { region: scope.region, sourceIp }) : EVERYTHING;
      if (!("name" in route)) return combined(principal, identity, "ecr:DescribeRepositories", repositoryArn(scope, "*"), undefined, sourceIp);
      const name = route.name;
      const resource = repositoryArn(scope, name);
      let actions = registryActions(route, method);
      const repo = findRepository(db, scope, name);
      if (!repo) {
        // Nothing to refuse: the request answers NAME_UNKNOWN, unless it is about to create the repository.
        const push = route.kind === "uploads" || (route.kind === "manifest" && method === "PUT");
        const pull = route.kind === "manifest" && (method === "GET" || method === "HEAD");
        if (push && templateFor(db, scope, name, "CREATE_ON_PUSH")) actions = ["ecr:CreateRepository", ...actions];
        else if (pull && coveredByPullThrough(db, scope, name)) actions = [...PULL_THROUGH_ACTIONS, ...actions];
        else return undefined;
      }
      const policyText = policyOf(repo);
      for (const action of actions) {
        const denied = combined(principal, identity, action, resource, policyText, sourceIp);
        if (denied !== undefined) return denied;
      }
      return undefined;
    },

    denial(principal, identity, action, resource, sourceIp) {
      const repo = REPOSITORY_ARN.exec(resource);
      const policyText = repo ? policyOf(findRepository(db, { account: repo[2]!, region: repo[1]! }, repo[3]!)) : undefined;
      return combined(principal, identity, action, resource, policyText, sourceIp);
    },
  };
}
