import type { RequestContext } from "../aws/request-context.js";
import { repositoryNotFound } from "../registry/errors.js";

/**
 * Berth serves each caller only its own registry (there is no IAM to grant cross-account
 * access), so a registryId naming another account finds no repository there, as ECR answers
 * a caller without access.
 */
export function checkRegistryId(ctx: RequestContext, registryId: string | undefined, repositoryName: string): void {
  if (registryId !== undefined && registryId !== ctx.account) throw repositoryNotFound(repositoryName, registryId);
}
