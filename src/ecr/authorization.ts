import type { AuthorizationData, GetAuthorizationTokenRequest } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import { authorizationToken, issueToken } from "../registry/auth-token.js";
import type { EcrDeps } from "./deps.js";

/** A role session's access key id: its token names the session rather than carry its tags and policies. */
const sessionOf = (ctx: RequestContext) => (ctx.principal?.type === "AssumedRole" && ctx.accessKeyId?.startsWith("ASIA") ? ctx.accessKeyId : undefined);

/**
 * GetAuthorizationToken: base64 of `AWS:<password>`, valid 12 hours, for the caller's account
 * and region (or, with the deprecated registryIds, one entry per account named). The proxy
 * endpoint is Berth's registry, plain HTTP on loopback. The token is bound to the caller (an IAM
 * user or a role session; auth-token.ts), whose permissions each pull and push then has; a
 * root's token to another account's registry is bound to the root's account.
 */
export function authorizationHandlers({ clock, secret, registryHost }: EcrDeps): Record<string, Handler> {
  return {
    GetAuthorizationToken: (input: GetAuthorizationTokenRequest, ctx: RequestContext) => {
      const accounts = input.registryIds?.length ? [...new Set(input.registryIds)] : [ctx.account];
      const authorizationData: AuthorizationData[] = accounts.map((account) => {
        // A root's token to another account's registry names the root's account: there it is no owner (registry-permissions.ts).
        const rootOf = !ctx.principal && account !== ctx.account ? ctx.account : undefined;
        const { password, expiresAt } = issueToken(secret, { account, region: ctx.region }, clock.now(), undefined, ctx.principal, sessionOf(ctx), rootOf);
        return { authorizationToken: authorizationToken(password), expiresAt, proxyEndpoint: `http://${registryHost()}` };
      });
      return { authorizationData };
    },
  };
}
