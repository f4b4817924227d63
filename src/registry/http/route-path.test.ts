import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRoute } from "./route-path.js";

const D = `sha256:${"a".repeat(64)}`;

test("the /v2 endpoints, with names that contain slashes and endpoint words", () => {
  assert.deepEqual(parseRoute("/v2/"), { kind: "base" });
  assert.deepEqual(parseRoute("/v2"), { kind: "base" });
  assert.deepEqual(parseRoute("/v2/_catalog?n=10"), { kind: "catalog" });
  assert.deepEqual(parseRoute("/v2/team/web/manifests/latest"), { kind: "manifest", name: "team/web", reference: "latest" });
  assert.deepEqual(parseRoute(`/v2/web/blobs/${D}`), { kind: "blob", name: "web", digest: D });
  assert.deepEqual(parseRoute("/v2/web/blobs/uploads/"), { kind: "uploads", name: "web" });
  assert.deepEqual(parseRoute("/v2/web/blobs/uploads?digest=x"), { kind: "uploads", name: "web" });
  assert.deepEqual(parseRoute("/v2/web/blobs/uploads/abc?digest=x"), { kind: "upload", name: "web", id: "abc" });
  assert.deepEqual(parseRoute("/v2/a/blobs/uploads/blobs/x"), { kind: "blob", name: "a/blobs/uploads", digest: "x" });
  assert.deepEqual(parseRoute("/v2/a/manifests/b/tags/list"), { kind: "tags", name: "a/manifests/b" });
  assert.deepEqual(parseRoute(`/v2/web/referrers/${D}?artifactType=x`), { kind: "referrers", name: "web", digest: D });
});

test("paths are not decoded or normalised: escapes and dot segments stay in the name", () => {
  assert.deepEqual(parseRoute("/v2/%2e%2e/web/blobs/x"), { kind: "blob", name: "%2e%2e/web", digest: "x" });
  assert.deepEqual(parseRoute("/v2/../../etc/manifests/passwd"), { kind: "traversal" });
  assert.deepEqual(parseRoute("/v2/web/blobs/sha256:../../../../etc/passwd"), { kind: "traversal" });
  assert.deepEqual(parseRoute("/v2/web/manifests/.."), { kind: "traversal" });
  assert.deepEqual(parseRoute("/v2/web/blobs/..%2f..%2fx"), { kind: "blob", name: "web", digest: "..%2f..%2fx" });
  assert.deepEqual(parseRoute("/v2/web"), { kind: "unknown" });
  assert.deepEqual(parseRoute("/v2/web/manifests/"), { kind: "unknown" });
  assert.deepEqual(parseRoute("/v20/x"), { kind: "unknown" });
});
