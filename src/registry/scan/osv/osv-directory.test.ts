import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OsvDirectory } from "./osv-directory.js";

/** test/fixtures/osv, from dist/src/registry/scan/osv. */
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "..", "test", "fixtures", "osv");

test("the fixture loads: single records and arrays, recursively; withdrawn records left out", async () => {
  const db = await new OsvDirectory(FIXTURE).current();
  assert.equal(db.size, 12);
  assert.deepEqual(db.updatedAt, new Date("2024-04-02T00:00:00Z"));
  assert.equal(db.lookup("Alpine", "busybox").length, 1);
  assert.equal(db.lookup("Debian", "openssl").length, 3);
  assert.equal(db.lookup("PyPI", "Django").length, 1);
  assert.equal(db.lookup("npm", "express").length, 0);
});

test("unreadable files are skipped; a changed directory is read again, an unchanged one is not", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-osv-"));
  try {
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "broken.json"), "{ not json");
    writeFileSync(join(dir, "notes.txt"), "ignored");
    const record = (id: string) => JSON.stringify({ id, affected: [{ package: { ecosystem: "npm", name: "a" }, versions: ["1.0.0"] }] });
    writeFileSync(join(dir, "sub", "one.json"), record("A-1"));
    const osv = new OsvDirectory(dir);
    const first = await osv.current();
    assert.equal(first.size, 1);
    assert.equal(await osv.current(), first);
    writeFileSync(join(dir, "two.json"), `[${record("A-2")}, ${record("A-3")}]`);
    const second = await osv.current();
    assert.equal(second.size, 3);
    // No `modified` in the records: the newest file's time stands in for the source's age.
    const t = new Date("2024-05-05T00:00:00Z");
    utimesSync(join(dir, "two.json"), t, t);
    utimesSync(join(dir, "sub", "one.json"), t, t);
    utimesSync(join(dir, "broken.json"), t, t);
    assert.deepEqual((await osv.current()).updatedAt, t);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
