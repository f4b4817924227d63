import { test } from "node:test";
import assert from "node:assert/strict";
import { isTagImmutable } from "./tag-mutability.js";
import { defaultSettings, type TagMutability } from "./repositories.js";

const with_ = (imageTagMutability: TagMutability, filters: string[] = []) => ({
  ...defaultSettings(), imageTagMutability, imageTagMutabilityExclusionFilters: filters.map((filter) => ({ filterType: "WILDCARD", filter })),
});

test("tag immutability follows the mode and its wildcard exclusions", () => {
  assert.equal(isTagImmutable(with_("MUTABLE"), "v1"), false);
  assert.equal(isTagImmutable(with_("IMMUTABLE"), "latest"), true);
  assert.equal(isTagImmutable(with_("IMMUTABLE_WITH_EXCLUSION", ["latest", "dev-*"]), "latest"), false);
  assert.equal(isTagImmutable(with_("IMMUTABLE_WITH_EXCLUSION", ["latest", "dev-*"]), "dev-42"), false);
  assert.equal(isTagImmutable(with_("IMMUTABLE_WITH_EXCLUSION", ["latest", "dev-*"]), "v1.0"), true);
  assert.equal(isTagImmutable(with_("MUTABLE_WITH_EXCLUSION", ["release-*"]), "release-1"), true);
  assert.equal(isTagImmutable(with_("MUTABLE_WITH_EXCLUSION", ["release-*"]), "main"), false);
  assert.equal(isTagImmutable(with_("MUTABLE_WITH_EXCLUSION", ["v1.*"]), "v1x2"), false, "dots are literal");
});
