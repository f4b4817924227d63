import type { RequestContext } from "../aws/request-context.js";

/**
 * The registry a repository-scoped call acts in: the account its registryId names, else the
 * caller's, in the caller's region. As on ECR, another account's repository is reachable by
 * naming its registry; under iamEnforcement the gateway has already decided the call on that
 * repository's ARN (iam/authorize.ts), so a principal or root of another account gets this far
 * only when the repository's policy allows its account. Registry-wide calls (registry policy,
 * replication, scanning and pull-through configuration) act only in the caller's own registry.
 */
export function inRegistry(ctx: RequestContext, registryId: string | undefined): RequestContext {
  return registryId === undefined || registryId === ctx.account ? ctx : { ...ctx, account: registryId };
}
