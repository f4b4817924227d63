import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { untilWrite } from "./until-write.js";

function setup() {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)");
  let reads = 0;
  const read = untilWrite(db, (k: string) => k, (k: string) => {
    reads++;
    return { value: (db.prepare("SELECT v FROM kv WHERE k = ?").get(k) as { v: string } | undefined)?.v ?? null, list: [k] };
  });
  return { db, read, reads: () => reads };
}

test("a read is answered from memory until a write, whatever the write touched", () => {
  const { db, read, reads } = setup();
  db.prepare("INSERT INTO kv VALUES ('a', '1')").run();
  assert.equal(read("a").value, "1");
  assert.equal(read("a").value, "1");
  assert.equal(reads(), 1);
  assert.equal(read("b").value, null, "another key is read");
  assert.equal(reads(), 2);

  db.prepare("UPDATE kv SET v = '2' WHERE k = 'a'").run();
  assert.equal(read("a").value, "2");
  db.prepare("INSERT INTO kv VALUES ('a', '3') ON CONFLICT (k) DO UPDATE SET v = excluded.v").run();
  assert.equal(read("a").value, "3");
  db.prepare("INSERT OR REPLACE INTO kv VALUES ('a', '4')").run();
  assert.equal(read("a").value, "4");
  db.prepare("DELETE FROM kv").run();
  assert.equal(read("a").value, null);
  assert.equal(reads(), 6);
});

test("a write rolled back only makes the next read go to the database again", () => {
  const { db, read, reads } = setup();
  db.prepare("INSERT INTO kv VALUES ('a', '1')").run();
  read("a");
  assert.throws(() => db.transaction(() => {
    db.prepare("UPDATE kv SET v = 'x'").run();
    throw new Error("no");
  })());
  assert.equal(read("a").value, "1");
  assert.equal(reads(), 2);
});

test("answers are shared, so they cannot be changed", () => {
  const { read } = setup();
  const answer = read("a");
  assert.throws(() => { (answer as { value: unknown }).value = "changed"; }, TypeError);
  assert.throws(() => answer.list.push("more"), TypeError);
  assert.equal(read("a").value, null);
});
