import { verifyToken, type TokenCheck, type TokenClaims } from "../auth-token.js";

/**
 * Registry passwords already verified, so that a client pulling many blobs and manifests with
 * one password pays the HMAC and the JSON decoding once instead of on every request (it was
 * the largest per-request cost of a manifest GET after SQLite). Only a password whose signature
 * checked out is remembered, keyed by its exact text and per signing secret; its expiry is
 * still checked on every use. Bounded: the map is emptied when it is full.
 */
const MAX_ENTRIES = 1024;
const bySecret = new WeakMap<Buffer, Map<string, TokenClaims>>();

export function checkToken(secret: Buffer, password: string, now: Date): TokenCheck {
  let known = bySecret.get(secret);
  if (!known) bySecret.set(secret, (known = new Map()));
  const claims = known.get(password);
  if (claims) {
    if (claims.expiresAt.getTime() > now.getTime()) return { ok: true, claims };
    known.delete(password);
    return { ok: false, reason: "expired" };
  }
  const check = verifyToken(secret, password, now);
  if (check.ok) {
    if (known.size >= MAX_ENTRIES) known.clear();
    known.set(password, check.claims);
  }
  return check;
}
