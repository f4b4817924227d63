import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { fdatasync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "./database.js";
import { DurableAnswers } from "./durable-answers.js";

function setup(sync?: ConstructorParameters<typeof DurableAnswers>[2]) {
  const dir = mkdtempSync(join(tmpdir(), "berth-durable-"));
  const db = openDatabase(dir);
  db.exec("CREATE TABLE t (v INTEGER)");
  const durable = new DurableAnswers(db, join(dir, "berth.sqlite-wal"), sync);
  return { db, durable, done: () => (durable.close(), db.close(), rmSync(dir, { recursive: true, force: true })) };
}

test("an answer after no write does not wait; one after a write waits for a sync", async () => {
  let syncs = 0;
  const { db, durable, done } = setup((fd, cb) => (syncs++, fdatasync(fd, cb)));
  try {
    assert.equal(durable.settled(), undefined);
    db.prepare("SELECT count(*) FROM t").get();
    assert.equal(durable.settled(), undefined, "a read is no write");
    db.prepare("INSERT INTO t VALUES (1)").run();
    const writing = durable.settled();
    assert.ok(writing);
    await writing;
    assert.equal(syncs, 1);
    assert.equal(durable.settled(), undefined, "the sync covered it");
  } finally {
    done();
  }
});

test("answers that wait while a sync runs share the next one", async () => {
  let syncs = 0;
  const release: (() => void)[] = [];
  const { db, durable, done } = setup((fd, cb) => (syncs++, release.push(() => fdatasync(fd, cb))));
  try {
    db.prepare("INSERT INTO t VALUES (0)").run();
    let firstDone = false;
    const first = durable.settled()!.then(() => (firstDone = true));
    assert.equal(syncs, 1, "a lone write's answer starts a sync at once");
    const later: Promise<void>[] = [];
    for (let i = 1; i < 50; i++) {
      db.prepare("INSERT INTO t VALUES (?)").run(i);
      later.push(durable.settled()!);
    }
    assert.equal(syncs, 1, "no second sync while the first runs");
    let laterDone = 0;
    for (const p of later) void p.then(() => laterDone++);
    release.shift()!();
    await first;
    assert.equal(firstDone, true);
    assert.equal(laterDone, 0, "writes after the sync started are not covered by it");
    assert.equal(syncs, 2, "the next sync starts as soon as the first ends");
    release.shift()!();
    await Promise.all(later);
    assert.equal(syncs, 2, "forty-nine answers shared one sync");
    assert.equal(durable.settled(), undefined);
  } finally {
    release.forEach((r) => r());
    done();
  }
});

test("a failed sync fails the answers waiting for it", async () => {
  const { db, durable, done } = setup((_fd, cb) => cb(Object.assign(new Error("EIO: i/o error"), { code: "EIO" })));
  try {
    db.prepare("INSERT INTO t VALUES (1)").run();
    await assert.rejects(durable.settled()!, /EIO/);
  } finally {
    done();
  }
});
