import { test } from "node:test";
import assert from "node:assert/strict";
import { isRepositoryName, isTag } from "./names.js";

test("repository names: lower-case path components with separators, 2-256 characters", () => {
  for (const ok of ["web", "ab", "team/web", "a.b_c__d---e/f0", "x".repeat(256), "a/b/c/d"]) assert.ok(isRepositoryName(ok), ok);
  for (const bad of [
    "a", "x".repeat(257), "Web", "web/", "/web", "a//b", "../web", "a/../b", "..", "a/..", "%2e%2e/web", "a%2fb",
    "a___b", "-a", "a-", "a.", ".a", "a b", "a\u0000b", "a:b", "a\\b", "",
  ]) {
    assert.ok(!isRepositoryName(bad), JSON.stringify(bad));
  }
});

test("tags: up to 128 word characters, dots and dashes, not starting with . or -", () => {
  for (const ok of ["latest", "1.0", "v1_2-3", "_x", "A".repeat(128)]) assert.ok(isTag(ok), ok);
  for (const bad of ["", ".x", "-x", "a:b", "a/b", "A".repeat(129), "sha256:abc", "a b"]) assert.ok(!isTag(bad), bad);
});
