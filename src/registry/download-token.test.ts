import { test } from "node:test";
import assert from "node:assert/strict";
import { issueToken, verifyToken } from "./auth-token.js";
import { DOWNLOAD_TTL_MS, issueDownloadToken, verifyDownloadToken } from "./download-token.js";

const secret = Buffer.alloc(32, 7);
const scope = { account: "123456789012", region: "eu-west-1" };
const digest = `sha256:${"ab".repeat(32)}`;
const now = new Date("2025-01-01T00:00:00Z");

test("a download token names one blob of one repository until it expires", () => {
  const { token, expiresAt } = issueDownloadToken(secret, scope, "team/web", digest, now);
  assert.equal(expiresAt.getTime() - now.getTime(), DOWNLOAD_TTL_MS);
  assert.deepEqual(verifyDownloadToken(secret, token, now), { ok: true, claims: { ...scope, repository: "team/web", digest, expiresAt } });
  assert.deepEqual(verifyDownloadToken(secret, token, expiresAt), { ok: false, reason: "expired" });
  assert.equal(verifyDownloadToken(Buffer.alloc(32, 8), token, now).ok, false);
});

test("download tokens and registry passwords are not interchangeable", () => {
  const { password } = issueToken(secret, scope, now);
  assert.equal(verifyDownloadToken(secret, password, now).ok, false);
  const { token } = issueDownloadToken(secret, scope, "team/web", digest, now);
  assert.equal(verifyToken(secret, token, now).ok, false);
});

test("tampered and malformed download tokens are refused", () => {
  const { token } = issueDownloadToken(secret, scope, "team/web", digest, now);
  const [, sig] = token.split(".");
  const other = Buffer.from(JSON.stringify({ a: scope.account, r: scope.region, n: "team/api", d: digest, e: 4102444800 })).toString("base64url");
  assert.deepEqual(verifyDownloadToken(secret, `${other}.${sig}`, now), { ok: false, reason: "forged" });
  for (const junk of ["", ".", "abc", `${token}x`, "x".repeat(3000)]) assert.equal(verifyDownloadToken(secret, junk, now).ok, false, junk);
});
