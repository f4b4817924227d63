import { test } from "node:test";
import assert from "node:assert/strict";
import { filterPolicyProblem } from "./filter-policy.js";

test("a filter policy of 256 KB nested as deep as it can go is a reason, not a crash", () => {
  const depth = 40_000;
  const policy = "{\"a\":".repeat(depth) + "[\"x\"]" + "}".repeat(depth);
  assert.match(filterPolicyProblem(policy) ?? "", /nested more than 100 levels/);
  assert.equal(filterPolicyProblem("{\"a\":{\"b\":[\"x\"]}}"), undefined);
});
