import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataDirKey, valueCipher, KEY_FILE } from "./value-cipher.js";

test("a data directory's key is made once, private, and the same on every read", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-key-"));
  try {
    const key = dataDirKey(dir);
    assert.equal(key.length, 32);
    assert.deepEqual(dataDirKey(dir), key);
    assert.equal(statSync(join(dir, KEY_FILE)).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sealed values open only with their key and their context, and never show the plaintext", () => {
  const a = valueCipher(Buffer.alloc(32, 1));
  const b = valueCipher(Buffer.alloc(32, 2));
  const sealed = a.seal(Buffer.from("hunter2"), "arn:x/v1");
  assert.ok(!sealed.includes("hunter2"));
  assert.notDeepEqual(a.seal(Buffer.from("hunter2"), "arn:x/v1"), sealed, "a fresh nonce each time");
  assert.equal(a.open(sealed, "arn:x/v1").toString(), "hunter2");
  assert.throws(() => a.open(sealed, "arn:y/v1"));
  assert.throws(() => b.open(sealed, "arn:x/v1"));
});
