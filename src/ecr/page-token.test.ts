import { test } from "node:test";
import assert from "node:assert/strict";
import { compareKeys, decodePageToken, encodePageToken, paginate } from "./page-token.js";

test("keys round-trip through tokens and order lexicographically", () => {
  assert.deepEqual(decodePageToken(encodePageToken([5, "sha256:a", "v1"])), [5, "sha256:a", "v1"]);
  assert.ok(compareKeys([1, "b"], [2, "a"]) < 0);
  assert.ok(compareKeys([2, "a", ""], [2, "a", "t"]) < 0);
  assert.equal(compareKeys([3, "x"], [3, "x"]), 0);
});

test("tokens this service did not issue are InvalidParameterException", () => {
  for (const t of ["", "x", Buffer.from("{}").toString("base64url"), Buffer.from('{"k":[{}]}').toString("base64url")]) {
    assert.throws(() => decodePageToken(t), (e: Error) => e.name === "InvalidParameterException", t);
  }
});

test("pages continue after the last key even when items change in between", () => {
  const items = [1, 2, 3, 4, 5];
  const first = paginate(items, (n) => [n], { limit: 2 });
  assert.deepEqual(first.page, [1, 2]);
  const second = paginate([1, 3, 4, 5], (n) => [n], { limit: 2, nextToken: first.nextToken });
  assert.deepEqual(second.page, [3, 4]);
  const last = paginate(items, (n) => [n], { limit: 2, nextToken: second.nextToken });
  assert.deepEqual(last, { page: [5], nextToken: undefined });
  assert.deepEqual(paginate([], (n: number) => [n], { limit: 3 }), { page: [], nextToken: undefined });
});
