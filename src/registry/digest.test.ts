import { test } from "node:test";
import assert from "node:assert/strict";
import { digestOf, parseDigest } from "./digest.js";

const hex64 = "a".repeat(64);

test("parseDigest accepts sha256 and sha512 in canonical form", () => {
  assert.deepEqual(parseDigest(`sha256:${hex64}`), { algorithm: "sha256", hex: hex64, value: `sha256:${hex64}` });
  assert.equal(parseDigest(`sha512:${"0".repeat(128)}`)?.algorithm, "sha512");
});

test("parseDigest refuses upper-case hex, wrong lengths, other algorithms and junk", () => {
  for (const bad of [
    `sha256:${"A".repeat(64)}`, `sha256:${"a".repeat(63)}`, `sha256:${"a".repeat(65)}`, `sha512:${hex64}`,
    `sha384:${"a".repeat(96)}`, `SHA256:${hex64}`, hex64, "sha256:", ":", "", `sha256:${"g".repeat(64)}`,
    `sha256:../${"a".repeat(61)}`, `sha256:${"a".repeat(63)}\n`,
  ]) {
    assert.equal(parseDigest(bad), undefined, bad);
  }
});

test("digestOf hashes bytes with the algorithm asked for", () => {
  assert.equal(digestOf(Buffer.from("")).value, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.match(digestOf(Buffer.from("x"), "sha512").value, /^sha512:[a-f0-9]{128}$/);
});
