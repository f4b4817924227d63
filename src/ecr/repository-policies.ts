import type { DeleteRepositoryPolicyRequest, GetRepositoryPolicyRequest, SetRepositoryPolicyRequest } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { invalidRepositoryPolicy, repositoryPolicyNotFound } from "./image-errors.js";
import { formatPolicyText } from "./policy-text.js";
import { locksOutPolicyChanges, parseRepositoryPolicy } from "./repository-policy.js";
import { inRegistry } from "./registry-id.js";

/** Where the policy lives in the repository's settings document. */
const POLICY = "repositoryPolicyText";

/**
 * Set/Get/DeleteRepositoryPolicy. The policy is validated as ECR validates it, stored as ECR
 * returns it (re-serialised, policy-text.ts) in the repository's settings, and goes with the
 * repository. Each call is one transaction.
 */
export function repositoryPolicyHandlers({ db, store }: EcrDeps): Record<string, Handler> {
  const stored = (ctx: RequestContext, name: string) => {
    const repo = store.requireRepository(ctx, name);
    const text = repo.settings[POLICY];
    if (typeof text !== "string") throw repositoryPolicyNotFound(name, repo.account);
    return { registryId: repo.account, repositoryName: repo.name, policyText: text };
  };

  return {
    SetRepositoryPolicy: (input: SetRepositoryPolicyRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      store.requireRepository(ctx, name);
      const doc = parseRepositoryPolicy(input.policyText!);
      if (!doc) throw invalidRepositoryPolicy();
      if (!input.force && locksOutPolicyChanges(doc)) {
        throw invalidParameter(
          "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'The policy denies everyone ecr:SetRepositoryPolicy and would prevent setting another policy; set force to apply it'",
        );
      }
      const policyText = formatPolicyText(JSON.parse(input.policyText!));
      const repo = store.updateRepositorySettings(ctx, name, { [POLICY]: policyText });
      return { registryId: repo.account, repositoryName: repo.name, policyText };
    },

    GetRepositoryPolicy: (input: GetRepositoryPolicyRequest, ctx: RequestContext) => {
      ctx = inRegistry(ctx, input.registryId);
      return stored(ctx, input.repositoryName!);
    },

    DeleteRepositoryPolicy: (input: DeleteRepositoryPolicyRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      return db.transaction(() => {
        const current = stored(ctx, name);
        store.updateRepositorySettings(ctx, name, { [POLICY]: undefined });
        return current;
      })();
    },
  };
}
