import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import type { Principal } from "../aws/request-context.js";

/**
 * Registry passwords, as ECR's GetAuthorizationToken hands them out: a token that carries the
 * account and region it was issued for and when it expires, signed with HMAC-SHA256 under a
 * secret generated once per data directory (kept in the meta table, so tokens survive a
 * restart and a reset). The registry verifies the signature and expiry and serves the token's
 * account and region. Nothing about the token is stored.
 *
 * A token issued to an IAM user or a role session carries that principal, so that the registry
 * authorizes each pull and push as ECR does, with that principal's policies as they are at the
 * time of the request (iamEnforcement). As on AWS, the token lasts its 12 hours even when the
 * session that asked for it ends sooner: ECR's tokens cannot be revoked. A token without a
 * principal is the account's root's (or one Berth issued for a task's pulls), unless it names
 * `rootOf`: another account's root asked for it (GetAuthorizationToken's registryIds), and the
 * registry then treats it as that account's root, which is no one in this registry until the
 * repository's policy allows its account (src/ecr/registry-permissions.ts).
 *
 * A role session's token carries the session's identity and its access key id (`session`), not
 * its session tags and session policies: those can run to tens of kilobytes (50 tags, a 2,048
 * character packed policy plus managed policy ARNs), more than a password may be. The registry
 * reads them from the stored session (sts_sessions keeps a session for a day after it expires,
 * longer than a token lasts); a token whose session was revoked (a stopped task's) is refused.
 */
export const TOKEN_TTL_MS = 12 * 60 * 60 * 1000;
export const TOKEN_USER = "AWS";

const SECRET_KEY = "registry_token_secret";

export interface TokenClaims extends Scope {
  expiresAt: Date;
  /** Who asked for the token; absent: the account's root. */
  principal?: Principal;
  /** The STS session (its access key id) whose session tags and policies the principal has; they are not in the token. */
  session?: string;
  /** The account whose root asked for a token to another account's registry; absent when the root is this registry's (or a principal asked). */
  rootOf?: string;
}

/** Tokens stay well under what Docker's config and an HTTP header hold, session tags and all. */
const MAX_PASSWORD = 8192;

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: "malformed" | "forged" | "expired" };

/** The signing secret of this data directory, created on first use. */
export function tokenSecret(db: Db): Buffer {
  const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(SECRET_KEY) as { value: string } | undefined;
  if (row) return Buffer.from(row.value, "hex");
  const secret = randomBytes(32);
  db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING").run(SECRET_KEY, secret.toString("hex"));
  // Another process may have won the race; the stored secret is the one that counts.
  return Buffer.from((db.prepare("SELECT value FROM meta WHERE key = ?").get(SECRET_KEY) as { value: string }).value, "hex");
}

const sign = (secret: Buffer, payload: string) => createHmac("sha256", secret).update(payload).digest("base64url");

/** A password for `scope`, valid for TOKEN_TTL_MS from `now`. */
export function issueToken(
  secret: Buffer, scope: Scope, now: Date, ttlMs = TOKEN_TTL_MS, principal?: Principal, session?: string, rootOf?: string,
): { password: string; expiresAt: Date } {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const identity = principal && session ? { ...principal, sessionTags: undefined, sessionPolicies: undefined } : principal;
  const claims = { a: scope.account, r: scope.region, e: Math.floor(expiresAt.getTime() / 1000), n: randomBytes(8).toString("hex"), ...(identity ? { p: identity } : {}), ...(session ? { s: session } : {}), ...(rootOf && !principal ? { o: rootOf } : {}) };
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return { password: `${payload}.${sign(secret, payload)}`, expiresAt };
}

/** What GetAuthorizationToken returns as authorizationToken: base64 of `AWS:<password>`. */
export const authorizationToken = (password: string) => Buffer.from(`${TOKEN_USER}:${password}`).toString("base64");

export function verifyToken(secret: Buffer, password: string, now: Date): TokenCheck {
  const dot = password.indexOf(".");
  if (dot <= 0 || password.length > MAX_PASSWORD) return { ok: false, reason: "malformed" };
  const payload = password.slice(0, dot);
  // Compare the text, not decoded bytes: base64 has several spellings of the same bytes, and
  // a token must have exactly one.
  const given = Buffer.from(password.slice(dot + 1));
  const expected = Buffer.from(sign(secret, payload));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "forged" };
  let claims: { a?: unknown; r?: unknown; e?: unknown; p?: unknown; s?: unknown; o?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof claims;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof claims.a !== "string" || typeof claims.r !== "string" || typeof claims.e !== "number") return { ok: false, reason: "malformed" };
  if (claims.p !== undefined && !isPrincipal(claims.p)) return { ok: false, reason: "malformed" };
  if (claims.s !== undefined && (typeof claims.s !== "string" || claims.p === undefined)) return { ok: false, reason: "malformed" };
  if (claims.o !== undefined && (typeof claims.o !== "string" || claims.p !== undefined)) return { ok: false, reason: "malformed" };
  const expiresAt = new Date(claims.e * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, claims: { account: claims.a, region: claims.r, expiresAt, ...(claims.p ? { principal: claims.p } : {}), ...(claims.s ? { session: claims.s as string } : {}), ...(claims.o ? { rootOf: claims.o as string } : {}) } };
}

/** The signature already vouches for the claims; this only keeps a token signed by older code from being misread. */
function isPrincipal(p: unknown): p is Principal {
  const o = p as Record<string, unknown>;
  return typeof p === "object" && p !== null && (o.type === "User" || o.type === "AssumedRole")
    && ["account", "arn", "userId", "name"].every((k) => typeof o[k] === "string");
}
