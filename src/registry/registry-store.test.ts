import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import Database from "better-sqlite3";
import { migrate, wipe } from "../store/database.js";
import { FsBlobStore } from "./fs-blob-store.js";
import { RegistryStore, PULL_TIME_REFRESH_MS } from "./registry-store.js";
import { digestOf } from "./digest.js";
import { isRegistryError, type RegistryErrorKind } from "./errors.js";
import { MEDIA_TYPES } from "./manifest.js";

const scope = { account: "000000000000", region: "us-east-1" };

async function withStore(fn: (s: RegistryStore, clock: { t: number }) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "berth-registry-store-"));
  const db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  migrate(db);
  const clock = { t: Date.parse("2025-01-01T00:00:00Z") };
  try {
    await fn(new RegistryStore({ db, blobs: new FsBlobStore(dir), clock: { now: () => new Date(clock.t) } }), clock);
    wipe(db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const throwsKind = (fn: () => unknown, kind: RegistryErrorKind) => assert.throws(fn, (e: unknown) => isRegistryError(e, kind));

async function blob(s: RegistryStore, name: string, content: string) {
  const d = digestOf(Buffer.from(content)).value;
  await s.putBlob(scope, name, d, Readable.from([Buffer.from(content)]));
  return { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: d, size: Buffer.byteLength(content) };
}

async function image(s: RegistryStore, name: string, n: string) {
  const config = { ...(await blob(s, name, `{"n":"${n}"}`)), mediaType: "application/vnd.oci.image.config.v1+json" };
  const layer = await blob(s, name, `layer ${n} ${"x".repeat(100)}`);
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [layer] }));
}

test("repositories: create, duplicate, settings, list, delete (not empty unless forced)", () =>
  withStore(async (s) => {
    const r = s.createRepository(scope, "web", { imageTagMutability: "IMMUTABLE" });
    assert.equal(r.arn, "arn:aws:ecr:us-east-1:000000000000:repository/web");
    assert.equal(r.settings.imageTagMutability, "IMMUTABLE");
    assert.deepEqual(r.settings.imageScanningConfiguration, { scanOnPush: false });
    throwsKind(() => s.createRepository(scope, "web"), "RepositoryAlreadyExists");
    throwsKind(() => s.createRepository(scope, "../web"), "InvalidName");
    s.createRepository(scope, "api");
    assert.deepEqual(s.listRepositories(scope).map((x) => x.name), ["api", "web"]);
    assert.deepEqual(s.listRepositories({ ...scope, region: "eu-west-1" }), []);
    assert.equal(s.updateRepositorySettings(scope, "api", { imageTagMutability: "IMMUTABLE" }).settings.imageTagMutability, "IMMUTABLE");
    s.putManifest(scope, "web", { reference: "v1", raw: await image(s, "web", "1") });
    await assert.rejects(s.deleteRepository(scope, "web"), (e: unknown) => isRegistryError(e, "RepositoryNotEmpty"));
    const upload = await s.startUpload(scope, "web");
    await s.deleteRepository(scope, "web", { force: true });
    throwsKind(() => s.requireRepository(scope, "web"), "RepositoryNotFound");
    // Recreated under the same name, it is a new, empty repository.
    s.createRepository(scope, "web");
    assert.deepEqual(s.listImages(scope, "web"), []);
    await assert.rejects(s.uploadStatus(scope, "web", upload.id), (e: unknown) => isRegistryError(e, "UploadNotFound"));
  }));

test("images: tags, sizes, pull times; untagging keeps the manifest", () =>
  withStore(async (s, clock) => {
    s.createRepository(scope, "web");
    const raw = await image(s, "web", "1");
    const put = s.putManifest(scope, "web", { reference: "v1", raw });
    assert.equal(put.created, true);
    assert.equal(s.putManifest(scope, "web", { reference: "latest", raw }).created, false);
    const [img] = s.listImages(scope, "web");
    assert.deepEqual(img!.tags, ["latest", "v1"]);
    assert.equal(img!.imageSize, '{"n":"1"}'.length + `layer 1 ${"x".repeat(100)}`.length);
    assert.equal(img!.configMediaType, "application/vnd.oci.image.config.v1+json");
    assert.equal(img!.lastPullAt, undefined);

    const pulled = s.getManifest(scope, "web", "v1", { recordPull: true }).lastPullAt!;
    clock.t += PULL_TIME_REFRESH_MS / 2;
    assert.deepEqual(s.getManifest(scope, "web", "v1", { recordPull: true }).lastPullAt, pulled, "not rewritten within the refresh interval");
    clock.t += PULL_TIME_REFRESH_MS;
    assert.ok(s.getManifest(scope, "web", "v1", { recordPull: true }).lastPullAt! > pulled);

    s.deleteTag(scope, "web", "latest");
    assert.deepEqual(s.tagsOf(scope, "web", put.digest), ["v1"]);
    throwsKind(() => s.deleteTag(scope, "web", "latest"), "ManifestNotFound");
    assert.deepEqual(s.deleteManifest(scope, "web", put.digest), { digest: put.digest, tags: ["v1"] });
    assert.deepEqual(s.listImages(scope, "web"), []);
  }));

test("a manifest listed by an index cannot be deleted before the index", () =>
  withStore(async (s) => {
    s.createRepository(scope, "multi");
    const raw = await image(s, "multi", "a");
    const child = s.putManifest(scope, "multi", { reference: digestOf(raw).value, raw });
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [{ mediaType: MEDIA_TYPES.ociManifest, digest: child.digest, size: raw.length }] }));
    const parent = s.putManifest(scope, "multi", { reference: "v1", raw: index });
    throwsKind(() => s.deleteManifest(scope, "multi", child.digest), "ManifestReferenced");
    s.deleteManifest(scope, "multi", parent.digest);
    s.deleteManifest(scope, "multi", child.digest);
  }));

test("tag mutability: IMMUTABLE refuses moving a tag, exclusions exempt matching tags", () =>
  withStore(async (s) => {
    s.createRepository(scope, "imm", { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "dev-*" }] });
    const a = await image(s, "imm", "a");
    const b = await image(s, "imm", "b");
    s.putManifest(scope, "imm", { reference: "v1", raw: a });
    throwsKind(() => s.putManifest(scope, "imm", { reference: "v1", raw: b }), "TagImmutable");
    s.putManifest(scope, "imm", { reference: "v1", raw: a });
    s.putManifest(scope, "imm", { reference: "dev-1", raw: a });
    assert.equal(s.putManifest(scope, "imm", { reference: "dev-1", raw: b }).previousDigest, digestOf(a).value);
  }));

test("blobs belong to repositories: unlinked blobs are invisible, mounts link them", () =>
  withStore(async (s) => {
    s.createRepository(scope, "one");
    s.createRepository(scope, "two");
    const b = await blob(s, "one", "shared");
    assert.equal(await s.statBlob(scope, "two", b.digest), undefined);
    assert.equal(await s.mountBlob(scope, "two", "nope", b.digest), undefined);
    assert.deepEqual(await s.mountBlob(scope, "two", "one", b.digest), { digest: b.digest, size: 6 });
    s.unlinkBlob(scope, "one", b.digest);
    assert.equal(await s.statBlob(scope, "one", b.digest), undefined);
    assert.deepEqual(await s.statBlob(scope, "two", b.digest), { digest: b.digest, size: 6 });
    throwsKind(() => s.unlinkBlob(scope, "one", b.digest), "BlobNotFound");
    throwsKind(() => s.unlinkBlob(scope, "one", "sha256:XYZ"), "InvalidDigest");
  }));
