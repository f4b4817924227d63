import { test } from "node:test";
import assert from "node:assert/strict";
import { IpAllocator, IpExhaustedError } from "./ip-allocator.js";

test("addresses come from the block, skipping the network, router and broadcast addresses", () => {
  const ips = new IpAllocator("127.10.0.0/16");
  assert.equal(ips.allocate("a"), "127.10.0.2");
  assert.equal(ips.allocate("b"), "127.10.0.3");
  assert.equal(ips.allocate("a"), "127.10.0.2", "a task keeps its address");
  assert.equal(ips.addressOf("b"), "127.10.0.3");
});

test("no address is held by two live tasks, and released ones are reused last", () => {
  const ips = new IpAllocator("127.20.0.0/29"); // .2 .. .6
  const got = ["a", "b", "c", "d", "e"].map((t) => ips.allocate(t));
  assert.deepEqual(got, ["127.20.0.2", "127.20.0.3", "127.20.0.4", "127.20.0.5", "127.20.0.6"]);
  assert.throws(() => ips.allocate("f"), IpExhaustedError);
  ips.release("b");
  assert.equal(ips.allocate("f"), "127.20.0.3");
  ips.release("a");
  ips.release("d");
  assert.equal(ips.allocate("g"), "127.20.0.5", "round-robin continues after the last allocation");
  assert.equal(ips.allocate("h"), "127.20.0.2");
  assert.equal(new Set([...["c", "e", "f", "g", "h"]].map((t) => ips.addressOf(t))).size, 5);
});

test("claim records an adopted task's address and refuses one held by another", () => {
  const ips = new IpAllocator("127.10.0.0/16");
  assert.equal(ips.claim("old", "127.10.0.7"), true);
  assert.equal(ips.claim("other", "127.10.0.7"), false);
  assert.equal(ips.claim("old", "127.10.0.7"), true);
  assert.equal(ips.claim("x", "127.11.0.7"), false, "outside the block");
  assert.equal(ips.claim("x", "127.10.255.255"), false, "broadcast");
  for (let i = 0; i < 10; i++) assert.notEqual(ips.allocate(`t${i}`), "127.10.0.7");
  ips.releaseAll();
  assert.equal(ips.addressOf("old"), undefined);
});

test("a malformed block is refused", () => {
  assert.throws(() => new IpAllocator("127.10.0.0"));
  assert.throws(() => new IpAllocator("127.10.0.0/31"));
});
