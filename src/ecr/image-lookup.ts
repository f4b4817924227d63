import type { ImageIdentifier } from "@aws-sdk/client-ecr";
import type { RequestContext } from "../aws/request-context.js";
import type { RegistryStore } from "../registry/registry-store.js";
import { invalidParameter } from "./errors.js";
import { imageNotFound } from "./image-errors.js";
import { isFailure, resolveImageId } from "./image-ids.js";
import { inRegistry } from "./registry-id.js";

/**
 * The repository and the image an operation on one image names (scans, storage class, signing
 * status), or ECR's exception: RepositoryNotFoundException, ImageNotFoundException, or
 * InvalidParameterException for an identifier that names no image.
 */
export function requireImage(store: RegistryStore, ctx: RequestContext, input: { registryId?: string; repositoryName?: string; imageId?: ImageIdentifier }) {
  const name = input.repositoryName!;
  ctx = inRegistry(ctx, input.registryId);
  const repo = store.requireRepository(ctx, name);
  const id = input.imageId!;
  const found = resolveImageId(store, ctx, name, id);
  if (isFailure(found)) {
    if (found.failureCode === "ImageNotFound" || found.failureCode === "ImageTagDoesNotMatchDigest") throw imageNotFound(id, name, repo.account);
    throw invalidParameter(`Invalid parameter at 'imageId': ${found.failureReason}`);
  }
  return { repo, digest: found.digest, imageId: { imageDigest: found.digest, imageTag: id.imageTag } };
}
