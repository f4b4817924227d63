import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { issueToken } from "../auth-token.js";
import { checkToken } from "./verified-tokens.js";

const scope = { account: "000000000000", region: "us-east-1" };

test("a remembered password still expires, and forged ones are never remembered", () => {
  const secret = randomBytes(32);
  const now = new Date("2026-01-01T00:00:00Z");
  const { password, expiresAt } = issueToken(secret, scope, now, 60_000);
  const first = checkToken(secret, password, now);
  assert.ok(first.ok && first.claims.account === "000000000000" && first.claims.region === "us-east-1");
  assert.ok(checkToken(secret, password, new Date(now.getTime() + 1000)).ok);
  assert.deepEqual(checkToken(secret, password, expiresAt), { ok: false, reason: "expired" });
  assert.deepEqual(checkToken(secret, password.slice(0, -2) + "xx", now), { ok: false, reason: "forged" });
  // Under another secret the same text is checked afresh, and fails.
  assert.deepEqual(checkToken(randomBytes(32), password, now), { ok: false, reason: "forged" });
});
