import { test } from "node:test";
import assert from "node:assert/strict";
import { isLoopbackAddress, isLoopbackHost } from "./loopback.js";

test("loopback peers: 127.0.0.0/8, ::1 and their IPv4-mapped forms; nothing else", () => {
  for (const a of ["127.0.0.1", "127.255.3.4", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "::FFFF:127.9.9.9"]) assert.equal(isLoopbackAddress(a), true, a);
  for (const a of [undefined, "", "0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "::ffff:10.0.0.1", "fe80::1", "::2", "localhost", "127.0.0.1.evil"]) assert.equal(isLoopbackAddress(a), false, String(a));
});

test("loopback binds: loopback addresses and the name localhost; any other name may resolve anywhere", () => {
  assert.equal(isLoopbackHost("localhost"), true);
  assert.equal(isLoopbackHost("127.0.0.1"), true);
  assert.equal(isLoopbackHost("0.0.0.0"), false);
  assert.equal(isLoopbackHost("localhost.example.com"), false);
});
