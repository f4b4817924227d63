import { test } from "node:test";
import assert from "node:assert/strict";
import { MEDIA_TYPES, parseManifest } from "./manifest.js";
import { isRegistryError } from "./errors.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const bytes = (o: unknown) => Buffer.from(JSON.stringify(o));
const image = {
  schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest,
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: d("a"), size: 2 },
  layers: [
    { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: d("b"), size: 10 },
    { mediaType: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", digest: d("c"), size: 5, urls: ["https://example.invalid/l"] },
  ],
  subject: { mediaType: MEDIA_TYPES.ociManifest, digest: d("e"), size: 100 },
  annotations: { note: "x" },
};

const invalid = (raw: Buffer, contentType?: string) =>
  assert.throws(() => parseManifest(raw, contentType), (e: unknown) => isRegistryError(e, "InvalidManifest"));

test("an OCI image manifest: blobs to check (foreign layers excepted), subject, artifactType", () => {
  const m = parseManifest(bytes(image), `${MEDIA_TYPES.ociManifest}; charset=utf-8`);
  assert.equal(m.kind, "image");
  assert.deepEqual(m.blobs.map((b) => b.digest), [d("a"), d("b")]);
  assert.equal(m.subject?.digest, d("e"));
  assert.equal(m.artifactType, "application/vnd.oci.image.config.v1+json");
  assert.deepEqual(m.annotations, { note: "x" });
  assert.equal(parseManifest(bytes({ ...image, artifactType: "application/x-sbom" })).artifactType, "application/x-sbom");
});

test("indexes and Docker manifest lists list children", () => {
  const list = { schemaVersion: 2, mediaType: MEDIA_TYPES.dockerList, manifests: [{ mediaType: MEDIA_TYPES.dockerManifest, digest: d("f"), size: 3 }] };
  const m = parseManifest(bytes(list), MEDIA_TYPES.dockerList);
  assert.equal(m.kind, "index");
  assert.deepEqual(m.children.map((c) => c.digest), [d("f")]);
  assert.equal(m.artifactType, undefined);
});

test("the media type comes from the field, else the header, else the structure", () => {
  const { mediaType: _, ...bare } = image;
  assert.equal(parseManifest(bytes(bare), MEDIA_TYPES.dockerManifest).mediaType, MEDIA_TYPES.dockerManifest);
  assert.equal(parseManifest(bytes(bare)).mediaType, MEDIA_TYPES.ociManifest);
  assert.equal(parseManifest(bytes({ schemaVersion: 2, manifests: [] }), "application/json").mediaType, MEDIA_TYPES.ociIndex);
});

test("malformed manifests are MANIFEST_INVALID", () => {
  invalid(Buffer.from("not json"));
  invalid(Buffer.from([0xff, 0xfe]));
  invalid(bytes([1, 2]));
  invalid(bytes({ ...image, schemaVersion: 1 }));
  invalid(bytes(image), MEDIA_TYPES.dockerManifest);
  invalid(bytes({ ...image, mediaType: "application/vnd.example" }));
  invalid(bytes({ ...image, config: { ...image.config, digest: `sha256:${"A".repeat(64)}` } }));
  invalid(bytes({ ...image, config: { ...image.config, size: -1 } }));
  invalid(bytes({ ...image, layers: {} }));
  invalid(bytes({ ...image, annotations: { a: 1 } }));
  invalid(bytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex }));
});
