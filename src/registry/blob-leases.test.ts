import { test } from "node:test";
import assert from "node:assert/strict";
import { BlobLeases } from "./blob-leases.js";

const tick = () => new Promise((r) => setTimeout(r, 5));

test("condemn skips a key a writer holds, and runs once it is released", async () => {
  const leases = new BlobLeases();
  let release!: () => void;
  const writing = leases.hold("k", () => new Promise<void>((r) => (release = r)));
  assert.equal(await leases.condemn("k", async () => "deleted"), undefined);
  assert.equal(await leases.condemn("other", async () => "deleted"), "deleted", "other keys are independent");
  release();
  await writing;
  assert.equal(await leases.condemn("k", async () => "deleted"), "deleted");
});

test("a writer arriving during a condemn waits for it to finish, then runs", async () => {
  const leases = new BlobLeases();
  const order: string[] = [];
  let finishDelete!: () => void;
  const deleting = leases.condemn("k", async () => {
    order.push("delete started");
    await new Promise<void>((r) => (finishDelete = r));
    order.push("delete done");
  });
  const writing = leases.hold("k", async () => void order.push("write"));
  await tick();
  assert.deepEqual(order, ["delete started"]);
  assert.equal(await leases.condemn("k", async () => "again"), undefined, "no second delete of the same key meanwhile");
  finishDelete();
  await Promise.all([deleting, writing]);
  assert.deepEqual(order, ["delete started", "delete done", "write"]);
});

test("writers of one key share it; the lease ends even when the writer fails", async () => {
  const leases = new BlobLeases();
  let a!: () => void;
  const first = leases.hold("k", () => new Promise<void>((r) => (a = r)));
  const second = leases.hold("k", async () => "second ran while first held");
  assert.equal(await second, "second ran while first held");
  assert.ok(leases.isHeld("k"));
  a();
  await first;
  assert.ok(!leases.isHeld("k"));
  await assert.rejects(leases.hold("k", async () => {
    throw new Error("boom");
  }));
  assert.ok(!leases.isHeld("k"));
});
