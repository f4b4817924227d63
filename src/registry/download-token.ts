import { createHmac, timingSafeEqual } from "node:crypto";
import type { Scope } from "../core/arn.js";

/**
 * Layer download tokens: what makes GetDownloadUrlForLayer's URL work with no other
 * credentials, as ECR's pre-signed S3 URLs do. A token names one blob of one repository (in
 * one account and region) and an expiry, signed with the registry's token secret. The
 * signature covers a domain prefix, so a download token can never pass as a registry
 * password (auth-token.ts signs the bare payload) nor a password as a download token.
 */
export const DOWNLOAD_TTL_MS = 60 * 60 * 1000;

/** The query parameter the /v2 blob endpoint reads the token from. */
export const DOWNLOAD_PARAM = "X-Berth-Download";

const DOMAIN = "berth-layer-download\n";

export interface DownloadClaims extends Scope {
  repository: string;
  digest: string;
  expiresAt: Date;
}

export type DownloadCheck = { ok: true; claims: DownloadClaims } | { ok: false; reason: "malformed" | "forged" | "expired" };

const sign = (secret: Buffer, payload: string) => createHmac("sha256", secret).update(DOMAIN + payload).digest("base64url");

export function issueDownloadToken(secret: Buffer, scope: Scope, repository: string, digest: string, now: Date, ttlMs = DOWNLOAD_TTL_MS): { token: string; expiresAt: Date } {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const payload = Buffer.from(JSON.stringify({ a: scope.account, r: scope.region, n: repository, d: digest, e: Math.floor(expiresAt.getTime() / 1000) })).toString("base64url");
  return { token: `${payload}.${sign(secret, payload)}`, expiresAt };
}

export function verifyDownloadToken(secret: Buffer, token: string, now: Date): DownloadCheck {
  const dot = token.indexOf(".");
  if (dot <= 0 || token.length > 2048) return { ok: false, reason: "malformed" };
  const payload = token.slice(0, dot);
  // The text is compared, not decoded bytes: a token has exactly one spelling.
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(sign(secret, payload));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "forged" };
  let c: { a?: unknown; r?: unknown; n?: unknown; d?: unknown; e?: unknown };
  try {
    c = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof c;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof c.a !== "string" || typeof c.r !== "string" || typeof c.n !== "string" || typeof c.d !== "string" || typeof c.e !== "number") {
    return { ok: false, reason: "malformed" };
  }
  const expiresAt = new Date(c.e * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, claims: { account: c.a, region: c.r, repository: c.n, digest: c.d, expiresAt } };
}
