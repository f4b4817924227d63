import type { LogFn } from "pino";
import type { Config } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import { requestCredential, verifySignature, type SignedRequest } from "./sigv4.js";

/** Who is calling, and which account and region the call's state lives in. */
export interface RequestContext {
  account: string;
  region: string;
  requestId: string;
  accessKeyId?: string;
  log: { info: LogFn; warn: LogFn; error: LogFn; debug: LogFn };
}

/**
 * Reads account and region from the SigV4 Authorization header. The account is the configured
 * one unless the access key id is 12 digits, which is then taken as the account (so tests can
 * use several accounts). A malformed header, or a credential scoped to something that is not a
 * region, is refused in every mode: the region scopes all state. In strict mode the signature
 * is verified against the configured secrets and must be scoped to `service`. Operations the
 * model marks unauthenticated (`anonymous`: STS AssumeRoleWithWebIdentity, whose caller proves
 * who it is with a token in the input) are taken unsigned in strict mode too, as AWS takes them.
 */
export function resolveCaller(
  req: SignedRequest,
  { config, clock }: { config: Config; clock: Clock },
  service?: string,
  { anonymous = false }: { anonymous?: boolean } = {},
): { account: string; region: string; accessKeyId?: string } {
  const auth = req.headers["authorization"];
  if (typeof auth !== "string" || auth.trim() === "") {
    if (config.strictSigv4 && !anonymous) throw new ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", true, {}, 403);
    return { account: config.accountId, region: config.region };
  }
  const cred = requestCredential(req.headers, auth, config.strictSigv4 ? req.headers : undefined);
  if (config.strictSigv4) {
    if (!Object.hasOwn(config.credentials, cred.accessKeyId)) {
      throw new ServiceError("UnrecognizedClientException", "The security token included in the request is invalid.");
    }
    verifySignature(req, cred, config.credentials[cred.accessKeyId]!, clock.now(), { service });
  }
  const account = /^\d{12}$/.test(cred.accessKeyId) ? cred.accessKeyId : config.accountId;
  return { account, region: cred.region, accessKeyId: cred.accessKeyId };
}
