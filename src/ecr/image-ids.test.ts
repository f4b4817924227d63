import { test } from "node:test";
import assert from "node:assert/strict";
import { checkImageId, FAILURE_REASONS, isFailure } from "./image-ids.js";

const digest = `sha256:${"a".repeat(64)}`;

test("identifiers that can name no image are failures with ECR's codes, echoing what was sent", () => {
  assert.deepEqual(checkImageId({}), { imageId: {}, failureCode: "MissingDigestAndTag", failureReason: FAILURE_REASONS.MissingDigestAndTag });
  for (const bad of ["sha256:abc", `sha256:${"A".repeat(64)}`, "md5:abc", "nope"]) {
    const f = checkImageId({ imageDigest: bad, imageTag: "v1" });
    assert.ok(isFailure(f));
    assert.deepEqual([f.failureCode, f.imageId], ["InvalidImageDigest", { imageDigest: bad, imageTag: "v1" }]);
  }
  for (const bad of ["-x", ".x", "a/b", "x".repeat(129)]) assert.equal((checkImageId({ imageTag: bad }) as { failureCode?: string }).failureCode, "InvalidImageTag");
});

test("well-formed identifiers name a digest, a tag or both", () => {
  assert.deepEqual(checkImageId({ imageDigest: digest }), { digest, tag: undefined });
  assert.deepEqual(checkImageId({ imageTag: "v1.0_rc-1" }), { digest: undefined, tag: "v1.0_rc-1" });
  assert.deepEqual(checkImageId({ imageDigest: digest, imageTag: "latest" }), { digest, tag: "latest" });
});
