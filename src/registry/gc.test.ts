import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import Database from "better-sqlite3";
import { migrate } from "../store/database.js";
import { FsBlobStore } from "./fs-blob-store.js";
import { RegistryStore, type GcOptions } from "./registry-store.js";
import type { BlobStore } from "./blob-store.js";
import { digestOf, type Digest } from "./digest.js";
import { MEDIA_TYPES } from "./manifest.js";
import { isRegistryError } from "./errors.js";

const scope = { account: "000000000000", region: "us-east-1" };
const GRACE = 60_000;
const options: GcOptions = { graceMs: GRACE, uploadExpiryMs: 10 * GRACE };

interface Ctx {
  s: RegistryStore;
  clock: { t: number };
  dir: string;
  /** Moves the store's clock past the grace period (file ages are real, hence the 'now' start). */
  later(ms?: number): void;
  path(digest: string): string;
  blobs: BlobStore;
}

/** A store over a real FsBlobStore; `wrap` may interpose on the blob store (to pause deletes). */
async function withStore(fn: (c: Ctx) => Promise<void>, wrap: (b: BlobStore) => BlobStore = (b) => b) {
  const dir = mkdtempSync(join(tmpdir(), "berth-gc-"));
  const db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  migrate(db);
  const clock = { t: Date.now() };
  const blobs = wrap(new FsBlobStore(dir));
  const s = new RegistryStore({ db, blobs, clock: { now: () => new Date(clock.t) }, linkRefreshMs: GRACE / 10 });
  const path = (digest: string) => join(dir, "blobs", "sha256", digest.slice(7, 9), digest.slice(7));
  try {
    // Blob files are dated by the real clock; the store's clock runs ahead of it in `later`.
    await fn({ s, clock, dir, blobs, path, later: (ms = GRACE + 1000) => void (clock.t += ms) });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function blob(s: RegistryStore, name: string, content: string, mediaType = "application/vnd.oci.image.layer.v1.tar") {
  const d = digestOf(Buffer.from(content)).value;
  await s.putBlob(scope, name, d, Readable.from([Buffer.from(content)]));
  return { mediaType, digest: d, size: Buffer.byteLength(content) };
}

async function image(s: RegistryStore, name: string, tag: string, layers: Array<{ mediaType: string; digest: string; size: number }>) {
  const config = await blob(s, name, `{"image":"${tag}"}`, "application/vnd.oci.image.config.v1+json");
  const raw = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers }));
  return { ...s.putManifest(scope, name, { reference: tag, raw }), config };
}

test("GC deletes the blobs of deleted images once past the grace period, keeps shared and live ones", () =>
  withStore(async ({ s, later, path }) => {
    s.createRepository(scope, "app");
    const shared = await blob(s, "app", "shared layer");
    const onlyOld = await blob(s, "app", "only in the old image");
    const old = await image(s, "app", "old", [shared, onlyOld]);
    const kept = await image(s, "app", "new", [shared]);
    s.deleteManifest(scope, "app", old.digest);

    // Young: nothing goes yet (the push that uploaded them might still be PUTting a manifest).
    const early = await s.collectGarbage(options);
    assert.equal(early.blobsDeleted, 0);
    assert.ok(existsSync(path(onlyOld.digest)));

    later();
    const report = await s.collectGarbage(options);
    assert.equal(report.linksRemoved, 2, "the old image's config and layer were linked and are now unused");
    assert.equal(report.blobsDeleted, 2);
    assert.equal(report.bytesFreed, onlyOld.size + old.config.size);
    assert.ok(!existsSync(path(onlyOld.digest)));
    assert.ok(!existsSync(path(old.config.digest)));
    assert.ok(existsSync(path(shared.digest)));
    assert.ok(existsSync(path(kept.config.digest)));
    assert.deepEqual(await s.statBlob(scope, "app", shared.digest), { digest: shared.digest, size: shared.size });

    const again = await s.collectGarbage(options);
    assert.equal(again.blobsDeleted + again.linksRemoved, 0, "a second run finds nothing more");
  }));

test("a blob referenced from another repository stays; a deleted repository's blobs go", () =>
  withStore(async ({ s, later, path }) => {
    s.createRepository(scope, "aa");
    s.createRepository(scope, "bb");
    const layer = await blob(s, "aa", "layer of both");
    await image(s, "aa", "v1", [layer]);
    assert.ok(await s.mountBlob(scope, "bb", "aa", layer.digest));
    const own = await blob(s, "bb", "only b");
    await image(s, "bb", "v1", [layer, own]);
    await s.deleteRepository(scope, "bb", { force: true });
    later();
    await s.collectGarbage(options);
    assert.ok(existsSync(path(layer.digest)));
    assert.ok(!existsSync(path(own.digest)));
  }));

test("an unreferenced link keeps its blob through the grace period; a HEAD restarts it", () =>
  withStore(async ({ s, later, path }) => {
    s.createRepository(scope, "app");
    const a = await blob(s, "app", "uploaded, manifest not pushed yet");
    later(GRACE / 2);
    assert.ok(await s.statBlob(scope, "app", a.digest), "HEAD: the client will skip the upload");
    later(GRACE / 2 + 1000);
    // More than the grace period since the upload, less since the HEAD: kept, and pushable.
    assert.equal((await s.collectGarbage(options)).linksRemoved, 0);
    await image(s, "app", "v1", [a]);
    later();
    await s.collectGarbage(options);
    assert.ok(existsSync(path(a.digest)));

    const b = await blob(s, "app", "uploaded and abandoned");
    later();
    const report = await s.collectGarbage(options);
    assert.equal(report.linksRemoved, 1);
    assert.ok(!existsSync(path(b.digest)));
    assert.throws(() => s.putManifest(scope, "app", {
      reference: "v2", raw: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: b, layers: [] })),
    }), (e: unknown) => isRegistryError(e, "ManifestReferencesMissing"), "a late manifest fails cleanly, never references a deleted blob");
  }));

test("upload sessions idle past the expiry are cancelled; active ones stay", () =>
  withStore(async ({ s, clock }) => {
    s.createRepository(scope, "app");
    const idle = await s.startUpload(scope, "app");
    await s.appendUpload(scope, "app", idle.id, Readable.from([Buffer.from("abc")]));
    clock.t += options.uploadExpiryMs + 1000;
    const active = await s.startUpload(scope, "app");
    // The active session was started by the store's clock "now"; its file is dated by the real clock.
    const report = await s.collectGarbage({ ...options, uploadExpiryMs: options.uploadExpiryMs });
    assert.ok(report.uploadsExpired >= 1);
    await assert.rejects(s.uploadStatus(scope, "app", idle.id), (e: unknown) => isRegistryError(e, "UploadNotFound"));
    assert.equal((await s.uploadStatus(scope, "app", active.id)).size, 0);
  }));

/** A blob store whose deletes wait until released, to hold the collector mid-delete. */
function pausingDeletes() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const deleting = new Promise<void>((r) => (entered = r));
  const wrap = (inner: BlobStore): BlobStore => Object.assign(Object.create(inner) as BlobStore, {
    async delete(d: Digest) {
      entered();
      await gate;
      return inner.delete(d);
    },
  });
  return { wrap, release: () => release(), deleting };
}

test("a push of a blob the collector is deleting waits, then writes it again: the image is complete", async () => {
  const pause = pausingDeletes();
  await withStore(async ({ s, later, path }) => {
    s.createRepository(scope, "app");
    const garbage = await blob(s, "app", "garbage about to come back");
    later();
    const collecting = s.collectGarbage(options);
    await pause.deleting; // the collector checked the blob is unreferenced and is deleting it
    let pushed = false;
    const pushing = blob(s, "app", "garbage about to come back").then((b) => ((pushed = true), b));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(pushed, false, "the push waits for the delete");
    pause.release();
    const report = await collecting;
    assert.equal(report.blobsDeleted, 1);
    await pushing;
    await image(s, "app", "v1", [garbage]);
    assert.ok(existsSync(path(garbage.digest)), "written again after the delete");
    const bytes = Buffer.concat(await (await s.openBlob(garbage.digest)).toArray());
    assert.equal(bytes.toString(), "garbage about to come back");
  }, pause.wrap);
});

test("the collector skips a blob a push holds, even if it looks like garbage", () =>
  withStore(async ({ s, later, path }) => {
    s.createRepository(scope, "app");
    const content = "re-pushed while collected";
    await blob(s, "app", content);
    later();
    // A second push of the same bytes is streaming (its link is refreshed only at the end).
    const source = new PassThrough();
    const pushing = s.putBlob(scope, "app", digestOf(Buffer.from(content)).value, source);
    s.unlinkBlob(scope, "app", digestOf(Buffer.from(content)).value);
    const report = await s.collectGarbage(options);
    assert.equal(report.blobsDeleted, 0);
    assert.equal(report.blobsSpared, 1);
    source.end(content);
    const info = await pushing;
    assert.ok(existsSync(path(info.digest)));
    assert.ok(await s.statBlob(scope, "app", info.digest));
  }));

test("a chunked upload in progress and its commit are untouched by collections running meanwhile", () =>
  withStore(async ({ s, later }) => {
    s.createRepository(scope, "app");
    const up = await s.startUpload(scope, "app");
    await s.appendUpload(scope, "app", up.id, Readable.from([Buffer.from("part one, ")]));
    later(); // the session is older than the grace period, but not idle for uploadExpiryMs
    await s.collectGarbage(options);
    await s.appendUpload(scope, "app", up.id, Readable.from([Buffer.from("part two")]));
    const d = digestOf(Buffer.from("part one, part two")).value;
    const [info] = await Promise.all([s.completeUpload(scope, "app", up.id, d), s.collectGarbage(options)]);
    await s.collectGarbage(options);
    await image(s, "app", "v1", [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: info.digest, size: info.size }]);
    const bytes = Buffer.concat(await (await s.openBlob(d)).toArray());
    assert.equal(bytes.toString(), "part one, part two");
  }));

test("deletes that may free blobs notify onFreed listeners", () =>
  withStore(async ({ s }) => {
    let n = 0;
    s.onFreed(() => n++);
    s.createRepository(scope, "app");
    const layer = await blob(s, "app", "x");
    const img = await image(s, "app", "v1", [layer]);
    s.deleteManifest(scope, "app", img.digest);
    s.unlinkBlob(scope, "app", layer.digest);
    await s.deleteRepository(scope, "app", { force: true });
    assert.equal(n, 3);
  }));
