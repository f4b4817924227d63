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
 * principal is the account's root's (or one Berth issued for a task's pulls).
 */
export const TOKEN_TTL_MS = 12 * 60 * 60 * 1000;
export const TOKEN_USER = "AWS";

const SECRET_KEY = "registry_token_secret";

export interface TokenClaims extends Scope {
  expiresAt: Date;
  /** Who asked for the token; absent: the account's root. */
  principal?: Principal;
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
export function issueToken(secret: Buffer, scope: Scope, now: Date, ttlMs = TOKEN_TTL_MS, principal?: Principal): { password: string; expiresAt: Date } {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const claims = { a: scope.account, r: scope.region, e: Math.floor(expiresAt.getTime() / 1000), n: randomBytes(8).toString("hex"), ...(principal ? { p: principal } : {}) };
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
  let claims: { a?: unknown; r?: unknown; e?: unknown; p?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof claims;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof claims.a !== "string" || typeof claims.r !== "string" || typeof claims.e !== "number") return { ok: false, reason: "malformed" };
  if (claims.p !== undefined && !isPrincipal(claims.p)) return { ok: false, reason: "malformed" };
  const expiresAt = new Date(claims.e * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, claims: { account: claims.a, region: claims.r, expiresAt, ...(claims.p ? { principal: claims.p } : {}) } };
}

/** The signature already vouches for the claims; this only keeps a token signed by older code from being misread. */
function isPrincipal(p: unknown): p is Principal {
  const o = p as Record<string, unknown>;
  return typeof p === "object" && p !== null && (o.type === "User" || o.type === "AssumedRole")
    && ["account", "arn", "userId", "name"].every((k) => typeof o[k] === "string");
}
