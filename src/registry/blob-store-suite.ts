import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { randomUUID } from "node:crypto";
import type { BlobStore } from "./blob-store.js";
import { digestOf, type Digest } from "./digest.js";
import { isRegistryError, type RegistryErrorKind } from "./errors.js";

/**
 * The behaviour every BlobStore driver must have. A driver's test file calls this with a
 * factory; `reopen` gives a second instance over the same storage, as after a restart.
 */
export interface SuiteTarget {
  store: BlobStore;
  /** A fresh instance over the same storage (a process restart). */
  reopen(): Promise<BlobStore>;
  cleanup(): Promise<void>;
}

const from = (...parts: Array<string | Buffer>) => Readable.from(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));

async function text(s: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

async function listAll(store: BlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const b of store.list()) out.push(b.digest);
  return out.sort();
}

const rejectsWith = (p: Promise<unknown>, kind: RegistryErrorKind) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(isRegistryError(e, kind), `expected ${kind}, got ${String(e)}`);
    return true;
  });

export function blobStoreSuite(driver: string, make: () => Promise<SuiteTarget>): void {
  const withStore = (name: string, fn: (t: SuiteTarget) => Promise<void>) =>
    test(`${driver}: ${name}`, async () => {
      const target = await make();
      try {
        await fn(target);
      } finally {
        await target.cleanup();
      }
    });

  withStore("put streams content in; stat, open and ranges read it back", async ({ store }) => {
    const d = digestOf(Buffer.from("hello world"));
    assert.deepEqual(await store.put(from("hello ", "world"), d, { size: 11 }), { digest: d.value, size: 11 });
    assert.deepEqual(await store.stat(d), { digest: d.value, size: 11 });
    assert.equal(await text(await store.open(d)), "hello world");
    assert.equal(await text(await store.open(d, { start: 6, end: 10 })), "world");
    assert.equal(await text(await store.open(d, { start: 0, end: 0 })), "h");
    // Putting the same content again is harmless.
    await store.put(from("hello world"), d);
    assert.deepEqual(await listAll(store), [d.value]);
  });

  withStore("sha512 digests work like sha256", async ({ store }) => {
    const d = digestOf(Buffer.from("five-twelve"), "sha512");
    await store.put(from("five-", "twelve"), d);
    assert.equal(await text(await store.open(d)), "five-twelve");
  });

  withStore("a digest mismatch stores nothing", async ({ store }) => {
    const claimed = digestOf(Buffer.from("what the client claims"));
    await rejectsWith(store.put(from("something else"), claimed), "DigestMismatch");
    assert.equal(await store.stat(claimed), undefined);
    assert.deepEqual(await listAll(store), []);
  });

  withStore("a length other than the declared one stores nothing", async ({ store }) => {
    const d = digestOf(Buffer.from("abc"));
    await rejectsWith(store.put(from("abc"), d, { size: 4 }), "SizeMismatch");
    assert.equal(await store.stat(d), undefined);
  });

  withStore("a source that fails midway stores nothing", async ({ store }) => {
    const d = digestOf(Buffer.from("partial"));
    const failing = new Readable({ read() {} });
    failing.push(Buffer.from("part"));
    setImmediate(() => failing.destroy(new Error("client went away")));
    await assert.rejects(store.put(failing, d));
    assert.equal(await store.stat(d), undefined);
    assert.deepEqual(await listAll(store), []);
  });

  withStore("open and delete of a missing blob", async ({ store }) => {
    const d = digestOf(Buffer.from("never stored"));
    await rejectsWith(store.open(d), "BlobNotFound");
    assert.equal(await store.delete(d), false);
    await store.put(from("never stored"), d);
    assert.equal(await store.delete(d), true);
    assert.equal(await store.stat(d), undefined);
  });

  withStore("chunked upload: append, size, commit makes the blob and ends the session", async ({ store }) => {
    const id = randomUUID();
    await store.startUpload(id);
    assert.equal(await store.uploadSize(id), 0);
    assert.equal(await store.appendUpload(id, from("chunk-1;"), { start: 0, length: 8 }), 8);
    assert.equal(await store.appendUpload(id, from("chunk-2"), { start: 8 }), 15);
    const d = digestOf(Buffer.from("chunk-1;chunk-2"));
    assert.deepEqual(await store.commitUpload(id, d), { digest: d.value, size: 15 });
    assert.equal(await store.uploadSize(id), undefined);
    assert.equal(await text(await store.open(d)), "chunk-1;chunk-2");
  });

  withStore("an out-of-order chunk is refused and changes nothing", async ({ store }) => {
    const id = randomUUID();
    await store.startUpload(id);
    await store.appendUpload(id, from("0123"));
    await rejectsWith(store.appendUpload(id, from("xx"), { start: 2 }), "UploadOutOfOrder");
    await rejectsWith(store.appendUpload(id, from("xx"), { start: 5 }), "UploadOutOfOrder");
    await rejectsWith(store.appendUpload(id, from("xx"), { start: 4, length: 3 }), "SizeMismatch");
    assert.equal(await store.uploadSize(id), 4);
  });

  withStore("committing under the wrong digest leaves no blob and keeps the session", async ({ store }) => {
    const id = randomUUID();
    await store.startUpload(id);
    await store.appendUpload(id, from("real content"));
    const wrong = digestOf(Buffer.from("other content"));
    await rejectsWith(store.commitUpload(id, wrong), "DigestMismatch");
    assert.equal(await store.stat(wrong), undefined);
    assert.equal(await store.uploadSize(id), 12);
    await store.cancelUpload(id);
    assert.equal(await store.uploadSize(id), undefined);
    assert.deepEqual(await listAll(store), []);
  });

  withStore("an upload resumes in a new instance (after a restart) and is re-hashed", async ({ store, reopen }) => {
    const id = randomUUID();
    await store.startUpload(id);
    await store.appendUpload(id, from("before restart;"));
    const again = await reopen();
    assert.equal(await again.uploadSize(id), 15);
    await again.appendUpload(id, from("after restart"), { start: 15 });
    const d = digestOf(Buffer.from("before restart;after restart"));
    await again.commitUpload(id, d);
    assert.equal(await text(await again.open(d)), "before restart;after restart");
  });

  withStore("a failed append keeps what arrived and the next operation re-hashes it", async ({ store }) => {
    const id = randomUUID();
    await store.startUpload(id);
    const failing = new Readable({ read() {} });
    failing.push(Buffer.from("arrived"));
    setImmediate(() => failing.destroy(new Error("client went away")));
    await assert.rejects(store.appendUpload(id, failing));
    const size = (await store.uploadSize(id))!;
    const content = "arrived".slice(0, size) + "rest";
    await store.appendUpload(id, from("rest"), { start: size });
    await store.commitUpload(id, digestOf(Buffer.from(content)));
    assert.equal(await text(await store.open(digestOf(Buffer.from(content)))), content);
  });

  withStore("a chunked upload can be committed under sha512", async ({ store }) => {
    const id = randomUUID();
    await store.startUpload(id);
    await store.appendUpload(id, from("long digest"));
    const d: Digest = digestOf(Buffer.from("long digest"), "sha512");
    await store.commitUpload(id, d);
    assert.equal(await text(await store.open(d)), "long digest");
  });

  withStore("appends to one upload are serialised", async ({ store }) => {
    const id = randomUUID();
    await store.startUpload(id);
    const sizes = await Promise.all(Array.from({ length: 10 }, (_, i) => store.appendUpload(id, from(`${i}`))));
    assert.deepEqual([...sizes].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(await store.uploadSize(id), 10);
  });

  withStore("unknown or malformed upload ids are unknown uploads", async ({ store }) => {
    for (const id of [randomUUID(), "../../etc/passwd", "..", "", "ABC"]) {
      assert.equal(await store.uploadSize(id), undefined);
      await rejectsWith(store.appendUpload(id, from("x")), "UploadNotFound");
      await rejectsWith(store.commitUpload(id, digestOf(Buffer.from("x"))), "UploadNotFound");
    }
  });

  withStore("listUploads and wipe", async ({ store }) => {
    const id = randomUUID();
    await store.startUpload(id);
    await store.appendUpload(id, from("abc"));
    const uploads = [];
    for await (const u of store.listUploads()) uploads.push(u);
    assert.deepEqual(uploads.map((u) => [u.id, u.size]), [[id, 3]]);
    await store.put(from("blob"), digestOf(Buffer.from("blob")));
    await store.wipe();
    assert.deepEqual(await listAll(store), []);
    assert.equal(await store.uploadSize(id), undefined);
  });
}
