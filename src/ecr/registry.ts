import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { EcrDeps } from "./deps.js";
import { registryPolicyNotFound } from "./image-errors.js";

/**
 * The registry-level operations Berth answers: DescribeRegistry (one registry per account,
 * no replication) and GetRegistryPolicy, which finds no policy because Berth has no
 * registry permissions to set (PutRegistryPolicy is not implemented).
 */
export function registryHandlers(_deps: EcrDeps): Record<string, Handler> {
  return {
    DescribeRegistry: (_input: unknown, ctx: RequestContext) => ({ registryId: ctx.account, replicationConfiguration: { rules: [] } }),
    GetRegistryPolicy: (_input: unknown, ctx: RequestContext) => {
      throw registryPolicyNotFound(ctx.account);
    },
  };
}
