import type { FastifyRequest } from "fastify";
import type { Config } from "../../core/config.js";
import type { Clock } from "../../core/clock.js";
import type { Scope } from "../../core/arn.js";
import type { Principal } from "../../aws/request-context.js";
import { TOKEN_USER } from "../auth-token.js";
import { checkToken } from "./verified-tokens.js";
import { OciError } from "./oci-errors.js";
import { fromOtherSite } from "../../console/other-site.js";

/**
 * Who is pulling or pushing, as the account and region whose repositories the request sees.
 * Clients send GetAuthorizationToken's password as HTTP Basic `AWS:<password>` (what
 * `docker login` stores) or as a Bearer token. In token mode anything else gets 401 with a
 * Basic challenge, which is what makes `docker login` and `docker push` send credentials.
 * In open mode a valid token still selects its scope; everything else is the default scope.
 */
export interface AuthDeps {
  config: Config;
  clock: Clock;
  secret: Buffer;
  /** The principal an STS session (by access key id) makes its caller, session tags and policies included; undefined once it is revoked or forgotten. */
  sessionPrincipal?: (accessKeyId: string) => Principal | undefined;
}

export const REALM = "Berth registry";

/** The repositories a request sees, and who asks: the token's principal, absent for the root (and in open mode without a token). */
export interface Caller {
  scope: Scope;
  principal?: Principal;
  /** Without a principal: the account whose root the token was issued to, when it is not the scope's (a cross-account token). */
  rootOf?: string;
}

const challenge = (message: string) =>
  new OciError("UNAUTHORIZED", message, undefined, 401, { "www-authenticate": `Basic realm="${REALM}"` });

export function authenticate(req: FastifyRequest, { config, clock, secret, sessionPrincipal }: AuthDeps): Caller {
  const fallback = { scope: { account: config.accountId, region: config.region } };
  const password = presentedPassword(req.headers.authorization);
  if (password === undefined) {
    if (config.registryAuth === "open") {
      // An open registry trusts whoever reaches it, but not another site's web page in this
      // machine's browser, which may POST a blob upload without a preflight (console/other-site.ts).
      if (fromOtherSite(config.host, req.headers.origin, req.headers.host)) throw new OciError("DENIED", "requests from another site's web page are refused by an open registry", undefined, 403);
      return fallback;
    }
    throw challenge("authentication required");
  }
  const check = checkToken(secret, password, clock.now());
  if (check.ok) {
    const { account, region, principal, session, rootOf } = check.claims;
    if (!session) return { scope: { account, region }, ...(principal ? { principal } : {}), ...(rootOf && rootOf !== account ? { rootOf } : {}) };
    // The session's tags and policies are not in the token: the stored session has them.
    const stored = sessionPrincipal?.(session);
    if (stored && stored.arn === principal?.arn) return { scope: { account, region }, principal: { ...principal, sessionTags: stored.sessionTags, sessionPolicies: stored.sessionPolicies } };
    // Never a caller without the session's policies, which would allow more than the session may.
    throw challenge("Your authorization token is invalid: the session it was issued to no longer exists.");
  }
  if (config.registryAuth === "open") return fallback;
  throw challenge(check.reason === "expired" ? "Your authorization token has expired. Reauthenticate and try again." : "Your authorization token is invalid.");
}

/** The password in an Authorization header; "" for a credential that cannot be ours. */
function presentedPassword(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? "" : header.slice(space + 1).trim();
  if (scheme === "bearer") return value;
  if (scheme !== "basic") return "";
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0 || decoded.slice(0, colon) !== TOKEN_USER) return "";
  return decoded.slice(colon + 1);
}
