import type { ImageFailure, ImageIdentifier } from "@aws-sdk/client-ecr";
import type { Scope } from "../core/arn.js";
import { parseDigest } from "../registry/digest.js";
import { isRegistryError } from "../registry/errors.js";
import { isTag } from "../registry/names.js";
import type { RegistryStore } from "../registry/registry-store.js";

/**
 * ECR's image identifiers ({imageDigest?, imageTag?}) and the per-image failures the batch
 * operations report instead of failing the call, with ECR's codes and reasons.
 */
export const FAILURE_REASONS = {
  MissingDigestAndTag: "Invalid request parameters: both tag and digest cannot be null",
  InvalidImageDigest: "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
  InvalidImageTag: "Invalid request parameters: image tag should satisfy the regex '[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}'",
  ImageNotFound: "Requested image not found",
  ImageTagDoesNotMatchDigest: "Invalid request parameters: given tag does not map to the given digest",
} as const;

type FailureCode = keyof typeof FAILURE_REASONS | "ImageReferencedByManifestList";

/** Only the members the caller sent, so a failure echoes the identifier as it was given. */
export const echoId = (id: ImageIdentifier): ImageIdentifier => ({
  ...(id.imageDigest !== undefined ? { imageDigest: id.imageDigest } : {}),
  ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}),
});

export const failure = (id: ImageIdentifier, code: FailureCode, reason: string = FAILURE_REASONS[code as keyof typeof FAILURE_REASONS] ?? code): ImageFailure => ({
  imageId: echoId(id),
  failureCode: code,
  failureReason: reason,
});

/** The identifier's form: a failure when it can name no image at all, else what it names. */
export function checkImageId(id: ImageIdentifier): ImageFailure | { digest?: string; tag?: string } {
  if (id.imageDigest === undefined && id.imageTag === undefined) return failure(id, "MissingDigestAndTag");
  if (id.imageDigest !== undefined && !parseDigest(id.imageDigest)) return failure(id, "InvalidImageDigest");
  if (id.imageTag !== undefined && !isTag(id.imageTag)) return failure(id, "InvalidImageTag");
  return { digest: id.imageDigest, tag: id.imageTag };
}

export const isFailure = (x: ImageFailure | object): x is ImageFailure => "failureCode" in x;

/**
 * The manifest digest an identifier names in the repository, or the failure ECR reports: a
 * tag that names another digest than the one given is ImageTagDoesNotMatchDigest.
 */
export function resolveImageId(store: RegistryStore, scope: Scope, name: string, id: ImageIdentifier): ImageFailure | { digest: string; tag?: string } {
  const checked = checkImageId(id);
  if (isFailure(checked)) return checked;
  const { digest, tag } = checked;
  try {
    if (tag === undefined) return { digest: store.getManifest(scope, name, digest!).digest };
    const target = store.getManifest(scope, name, tag).digest;
    if (digest !== undefined && digest !== target) return failure(id, "ImageTagDoesNotMatchDigest");
    return { digest: target, tag };
  } catch (e) {
    if (isRegistryError(e, "ManifestNotFound")) return failure(id, "ImageNotFound");
    throw e;
  }
}
