import { test } from "node:test";
import assert from "node:assert/strict";
import { Inbox, Outbox } from "./sequence.js";

test("outbox keeps messages until acknowledged, in order", () => {
  const o = new Outbox<string>();
  o.push("a");
  o.push("b");
  o.push("c");
  assert.deepEqual(o.pending().map((m) => m.seq), [1, 2, 3]);
  o.ack(2);
  assert.deepEqual(o.pending(), [{ seq: 3, body: "c" }]);
  assert.equal(o.last(), 3);
});

test("inbox applies each message once, in order, and stops at a gap", async () => {
  const seen: string[] = [];
  const i = new Inbox(0);
  assert.equal(await i.accept([{ seq: 2, body: "b" }, { seq: 1, body: "a" }], (b) => void seen.push(b)), 2);
  // A resend after a lost reply: duplicates are skipped, the new one applied.
  assert.equal(await i.accept([{ seq: 2, body: "b" }, { seq: 3, body: "c" }], (b) => void seen.push(b)), 3);
  // A gap (5 without 4) is not applied: the sender will resend from 4.
  assert.equal(await i.accept([{ seq: 5, body: "e" }], (b) => void seen.push(b)), 3);
  assert.deepEqual(seen, ["a", "b", "c"]);
});

test("an inbox that does not know the stream's start takes the first message it sees", async () => {
  const seen: number[] = [];
  const i = new Inbox();
  assert.equal(await i.accept([{ seq: 41, body: 41 }, { seq: 42, body: 42 }], (b) => void seen.push(b)), 42);
  assert.deepEqual(seen, [41, 42]);
});
