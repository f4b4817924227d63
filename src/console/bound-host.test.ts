import { test } from "node:test";
import assert from "node:assert/strict";
import { servesHost } from "./bound-host.js";

test("the console answers to the bound address's names only", () => {
  assert.equal(servesHost("127.0.0.1", "127.0.0.1:4566"), true);
  assert.equal(servesHost("127.0.0.1", "localhost:4566"), true);
  assert.equal(servesHost("127.0.0.1", "LOCALHOST:4566"), true);
  // The API relay on the Docker bridge's gateway, another loopback address, a rebinding name.
  assert.equal(servesHost("127.0.0.1", "172.17.0.1:37001"), false);
  assert.equal(servesHost("127.0.0.1", "127.0.0.2:4566"), false);
  assert.equal(servesHost("127.0.0.1", "attacker.example:4566"), false);
  assert.equal(servesHost("127.0.0.9", "127.0.0.9:4566"), true);
  assert.equal(servesHost("127.0.0.9", "localhost:4566"), false);
  assert.equal(servesHost("::1", "[::1]:4566"), true);
  assert.equal(servesHost("::1", "localhost:4566"), true);
  assert.equal(servesHost("localhost", "127.0.0.1:4566"), true);
  assert.equal(servesHost("localhost", "[::1]:4566"), true);
  assert.equal(servesHost("localhost", "127.0.0.2:4566"), false);
  // No Host, or one that is not a host: nothing.
  assert.equal(servesHost("127.0.0.1", undefined), false);
  assert.equal(servesHost("127.0.0.1", "a b"), false);
  // Every address bound: every name.
  assert.equal(servesHost("0.0.0.0", "192.0.2.7:4566"), true);
  assert.equal(servesHost("::", undefined), true);
});
