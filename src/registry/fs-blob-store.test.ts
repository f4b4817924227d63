import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsBlobStore } from "./fs-blob-store.js";
import { blobStoreSuite } from "./blob-store-suite.js";
import { digestOf } from "./digest.js";

blobStoreSuite("fs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-blobs-"));
  return {
    store: new FsBlobStore(dir),
    reopen: async () => new FsBlobStore(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

test("fs: blobs live at blobs/<algorithm>/<2 hex>/<hex>; tmp/ is emptied at start", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-blobs-"));
  try {
    const store = new FsBlobStore(dir);
    const { Readable } = await import("node:stream");
    const d = digestOf(Buffer.from("layout"));
    await store.put(Readable.from([Buffer.from("layout")]), d);
    assert.ok(existsSync(join(dir, "blobs", "sha256", d.hex.slice(0, 2), d.hex)));
    assert.deepEqual(readdirSync(join(dir, "tmp")), []);
    writeFileSync(join(dir, "tmp", "left-over"), "x");
    new FsBlobStore(dir);
    assert.deepEqual(readdirSync(join(dir, "tmp")), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
