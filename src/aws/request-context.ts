import type { LogFn } from "pino";
import type { Config } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import { CredentialError, ServiceError } from "../core/errors.js";
import { requestCredential, verifySignature, type SignedRequest } from "./sigv4.js";

/** Who is calling, and which account and region the call's state lives in. */
export interface RequestContext {
  account: string;
  region: string;
  requestId: string;
  accessKeyId?: string;
  /** The caller's IP address, as the connection shows it (aws:SourceIp). */
  sourceIp?: string;
  /** The IAM user or assumed role whose credentials signed the call; absent: the account's root (configured credentials, unsigned calls). */
  principal?: Principal;
  log: { info: LogFn; warn: LogFn; error: LogFn; debug: LogFn };
  /**
   * Under iamEnforcement, for a principal's call: authorizes another operation of the same service
   * on the caller's behalf, as the gateway authorized this one (throws AccessDeniedException). For
   * calls AWS authorizes as several actions (BatchGetSecretValue: GetSecretValue on each secret).
   * Absent: nothing more to check (the root, or no enforcement).
   */
  authorizeAlso?: (operation: string, input: Record<string, unknown>) => void;
}

/** An identity other than the root: an IAM user, or a session of an assumed role. */
export interface Principal {
  type: "User" | "AssumedRole";
  account: string;
  /** arn:aws:iam::ACCOUNT:user/PATH/NAME or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION. */
  arn: string;
  /** The user's AIDA... id, or the session's AROA...:SESSION. */
  userId: string;
  /** The user's name, or the assumed role's. */
  name: string;
  /** An assumed role's ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME). */
  roleArn?: string;
  /** A role session's session tags (AssumeRole's Tags): aws:PrincipalTag/<key>, over its role's tags. */
  sessionTags?: Record<string, string>;
  /** AssumeRole's SourceIdentity (aws:SourceIdentity). */
  sourceIdentity?: string;
  /** AssumeRole's session policies: the session may do only what these and its role's policies both allow. */
  sessionPolicies?: { document?: string; arns?: string[] };
}

/** Credentials Berth issued (IAM access keys, STS sessions), looked up after the configured ones. */
export interface IssuedCredentials {
  /** `principal` absent: the account's root (a GetSessionToken session of the root). */
  find(accessKeyId: string): { secret: string; account: string; principal?: Principal; sessionToken?: string; expiresAt?: number } | undefined;
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
  req: SignedRequest & { signedBody?: Buffer },
  { config, clock, issued }: { config: Config; clock: Clock; issued?: IssuedCredentials },
  service?: string,
  { anonymous = false }: { anonymous?: boolean } = {},
): { account: string; region: string; accessKeyId?: string; principal?: Principal } {
  const auth = req.headers["authorization"];
  if (typeof auth !== "string" || auth.trim() === "") {
    if (config.strictSigv4 && !anonymous) throw new ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", true, {}, 403);
    return { account: config.accountId, region: config.region };
  }
  const cred = requestCredential(req.headers, auth, config.strictSigv4 ? req.headers : undefined);
  const account = /^\d{12}$/.test(cred.accessKeyId) ? cred.accessKeyId : config.accountId;
  if (Object.hasOwn(config.credentials, cred.accessKeyId)) {
    if (config.strictSigv4) verifySignature(asSigned(req), cred, config.credentials[cred.accessKeyId]!, clock.now(), { service });
    return { account, region: cred.region, accessKeyId: cred.accessKeyId };
  }
  // Keys IAM and STS issued are their user or session in every mode (so calls are attributed as
  // AWS attributes them); only strict mode makes unknown keys, wrong tokens and signatures fail.
  const found = issued?.find(cred.accessKeyId);
  if (!found) {
    if (config.strictSigv4) throw invalidToken();
    return { account, region: cred.region, accessKeyId: cred.accessKeyId };
  }
  if (found.sessionToken !== undefined) {
    if (config.strictSigv4 && securityToken(req) !== found.sessionToken) throw invalidToken();
    if (found.expiresAt !== undefined && found.expiresAt <= clock.now().getTime()) {
      throw new CredentialError("ExpiredTokenException", "The security token included in the request is expired");
    }
  }
  if (config.strictSigv4) verifySignature(asSigned(req), cred, found.secret, clock.now(), { service });
  return { account: found.account, region: cred.region, accessKeyId: cred.accessKeyId, ...(found.principal ? { principal: found.principal } : {}) };
}

const invalidToken = () => new ServiceError("UnrecognizedClientException", "The security token included in the request is invalid.");

/** A session's token travels in X-Amz-Security-Token: a header, or the query string of a presigned URL. */
function securityToken(req: SignedRequest): string | undefined {
  const h = req.headers["x-amz-security-token"];
  if (typeof h === "string") return h;
  const q = req.url.indexOf("?");
  return q < 0 ? undefined : new URLSearchParams(req.url.slice(q + 1)).get("X-Amz-Security-Token") ?? undefined;
}

/** What the client signed: the body as sent (compressed, when request-compression.ts inflated it). */
const asSigned = (req: SignedRequest & { signedBody?: Buffer }): SignedRequest => (req.signedBody ? { ...req, body: req.signedBody } : req);
