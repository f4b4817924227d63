import { test } from "node:test";
import assert from "node:assert/strict";
import type { ImageRecord, RepositoryRecord } from "../registry/registry-store.js";
import { MEDIA_TYPES } from "../registry/manifest.js";
import { imageIdsOf, imageSizes, presentImageDetail } from "./present-image.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const image = (digest: string, extra: Partial<ImageRecord> = {}): ImageRecord => ({
  digest, mediaType: MEDIA_TYPES.ociManifest, configMediaType: "application/vnd.oci.image.config.v1+json", artifactType: "application/vnd.oci.image.config.v1+json",
  size: 100, pushedAt: new Date(0), raw: Buffer.from("{}"), tags: [], imageSize: 0, ...extra,
});
const index = (children: string[]) => Buffer.from(JSON.stringify({
  schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: children.map((digest) => ({ mediaType: MEDIA_TYPES.ociManifest, digest, size: 100 })),
}));

test("an image's size is its blobs'; a manifest list's is its largest image's", () => {
  const images = [
    image(d("a"), { imageSize: 300 }),
    image(d("b"), { imageSize: 700 }),
    image(d("c"), { mediaType: MEDIA_TYPES.ociIndex, configMediaType: undefined, artifactType: undefined, raw: index([d("a"), d("b"), d("f")]) }),
  ];
  assert.deepEqual([...imageSizes(images)], [[d("a"), 300], [d("b"), 700], [d("c"), 700]]);
});

test("DescribeImages' detail and ListImages' ids", () => {
  const repo = { account: "123456789012", name: "web" } as RepositoryRecord;
  const untagged = image(d("a"), { lastPullAt: new Date(5), subject: d("b") });
  assert.deepEqual(presentImageDetail(repo, untagged, 42, new Date(10)), {
    registryId: "123456789012", repositoryName: "web", imageDigest: d("a"), imageTags: undefined, imageSizeInBytes: 42, imagePushedAt: new Date(0),
    imageManifestMediaType: MEDIA_TYPES.ociManifest, artifactMediaType: "application/vnd.oci.image.config.v1+json", lastRecordedPullTime: new Date(5),
    subjectManifestDigest: d("b"), imageStatus: "ACTIVE", lastArchivedAt: undefined, lastActivatedAt: undefined,
  });
  const restoring = { ...untagged, archivedAt: new Date(6), activatedAt: new Date(12) };
  assert.equal(presentImageDetail(repo, restoring, 42, new Date(10)).imageStatus, "ACTIVATING");
  assert.equal(presentImageDetail(repo, restoring, 42, new Date(10)).lastActivatedAt, undefined, "not until the restore completes");
  assert.deepEqual(presentImageDetail(repo, restoring, 42, new Date(12)).lastActivatedAt, new Date(12));
  assert.equal(presentImageDetail(repo, { ...untagged, archivedAt: new Date(6) }, 42, new Date(10)).imageStatus, "ARCHIVED");
  assert.deepEqual(imageIdsOf(untagged), [{ imageDigest: d("a") }]);
  assert.deepEqual(imageIdsOf(image(d("a"), { tags: ["1", "latest"] })), [{ imageDigest: d("a"), imageTag: "1" }, { imageDigest: d("a"), imageTag: "latest" }]);
});
