import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { migrate } from "../store/database.js";
import { authorizationToken, issueToken, tokenSecret, TOKEN_TTL_MS, verifyToken } from "./auth-token.js";

const scope = { account: "123456789012", region: "eu-west-1" };
const now = new Date("2025-01-01T00:00:00Z");

test("a token carries its account and region and lasts 12 hours", () => {
  const secret = Buffer.alloc(32, 1);
  const { password, expiresAt } = issueToken(secret, scope, now);
  assert.equal(expiresAt.getTime() - now.getTime(), TOKEN_TTL_MS);
  const check = verifyToken(secret, password, new Date(now.getTime() + TOKEN_TTL_MS - 1000));
  assert.deepEqual(check, { ok: true, claims: { ...scope, expiresAt } });
  assert.deepEqual(verifyToken(secret, password, expiresAt), { ok: false, reason: "expired" });
  assert.equal(Buffer.from(authorizationToken(password), "base64").toString(), `AWS:${password}`);
});

test("forged, tampered and malformed tokens are refused", () => {
  const secret = Buffer.alloc(32, 1);
  const { password } = issueToken(secret, scope, now);
  assert.equal(verifyToken(Buffer.alloc(32, 2), password, now).ok, false, "another secret");
  const [payload, sig] = password.split(".");
  const otherPayload = Buffer.from(JSON.stringify({ a: "999999999999", r: "eu-west-1", e: 4102444800 })).toString("base64url");
  assert.deepEqual(verifyToken(secret, `${otherPayload}.${sig}`, now), { ok: false, reason: "forged" });
  assert.deepEqual(verifyToken(secret, `${payload}.${sig}x`, now), { ok: false, reason: "forged" });
  // Every other spelling of the last character (some decode to the same bytes) is refused.
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (const c of alphabet.replace(sig!.slice(-1), "")) {
    assert.equal(verifyToken(secret, `${payload}.${sig!.slice(0, -1)}${c}`, now).ok, false, c);
  }
  for (const junk of ["", ".", "abc", `${payload}.`, "x".repeat(2000)]) assert.equal(verifyToken(secret, junk, now).ok, false, junk);
});

test("the secret is generated once per database and kept", () => {
  const db = new Database(":memory:");
  migrate(db);
  const first = tokenSecret(db);
  assert.equal(first.length, 32);
  assert.deepEqual(tokenSecret(db), first);
});

test("a token issued to a principal carries it; changing it breaks the signature", () => {
  const secret = Buffer.alloc(32, 1);
  const principal = { type: "User" as const, account: scope.account, arn: `arn:aws:iam::${scope.account}:user/alice`, userId: "AIDAALICE", name: "alice" };
  const { password, expiresAt } = issueToken(secret, scope, now, TOKEN_TTL_MS, principal);
  assert.deepEqual(verifyToken(secret, password, now), { ok: true, claims: { ...scope, expiresAt, principal } });
  const [payload, sig] = password.split(".") as [string, string];
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
  const root = { ...claims };
  delete root.p;
  const other = { ...claims, p: { ...principal, arn: `arn:aws:iam::${scope.account}:user/admin`, name: "admin" } };
  for (const c of [root, other]) assert.deepEqual(verifyToken(secret, `${Buffer.from(JSON.stringify(c)).toString("base64url")}.${sig}`, now), { ok: false, reason: "forged" });
});

test("a root's token for another account's registry names the root's account, and only without a principal", () => {
  const secret = Buffer.alloc(32, 1);
  const { password, expiresAt } = issueToken(secret, scope, now, TOKEN_TTL_MS, undefined, undefined, "111122223333");
  assert.deepEqual(verifyToken(secret, password, now), { ok: true, claims: { ...scope, expiresAt, rootOf: "111122223333" } });
  // Stripping the claim changes the signed payload: the token is then refused, not taken as the registry's own root.
  const [payload, sig] = password.split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
  delete claims.o;
  assert.deepEqual(verifyToken(secret, `${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${sig}`, now), { ok: false, reason: "forged" });
  // A principal's token never carries it.
  const principal = { type: "User" as const, account: "111122223333", arn: "arn:aws:iam::111122223333:user/u", userId: "AIDAX", name: "u" };
  const withPrincipal = issueToken(secret, scope, now, TOKEN_TTL_MS, principal, undefined, "111122223333");
  const checked = verifyToken(secret, withPrincipal.password, now);
  assert.ok(checked.ok && checked.claims.principal?.arn === principal.arn && checked.claims.rootOf === undefined);
});
