import type { BatchGetImageRequest, Image, ImageFailure } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { EcrDeps } from "./deps.js";
import { failure, isFailure, resolveImageId } from "./image-ids.js";
import { inRegistry } from "./registry-id.js";
import { imageStatus } from "../registry/storage-class.js";
import { isPullTimeExcluded } from "./pull-time-exclusions.js";

/**
 * BatchGetImage: each identifier's manifest exactly as it was pushed, or a failure for it.
 * It is how ECR clients pull, so each image returned counts as a pull (lastRecordedPullTime),
 * unless the caller is a pull-time update exclusion.
 *
 * acceptedMediaTypes: a manifest of a type the caller does not accept is reported as ECR
 * reports it, as an ImageNotFound failure; Berth does not convert between manifest formats
 * (ECR can down-convert to Docker schema 1). Without acceptedMediaTypes every type is served.
 */
export function batchGetImageHandlers({ store, db, clock }: EcrDeps): Record<string, Handler> {
  return {
    BatchGetImage: (input: BatchGetImageRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      const repo = store.requireRepository(ctx, name);
      const accepted = input.acceptedMediaTypes?.length ? new Set(input.acceptedMediaTypes) : undefined;
      const images: Image[] = [];
      const failures: ImageFailure[] = [];
      const returned = new Set<string>();
      for (const id of input.imageIds!) {
        const found = resolveImageId(store, ctx, name, id);
        if (isFailure(found)) {
          failures.push(found);
          continue;
        }
        const manifest = store.getManifest(ctx, name, found.digest);
        // An archived image cannot be pulled; ImageFailureCode has no archive code, so it is
        // reported as ECR's registry reports a pull of it (not found), with the reason.
        if (imageStatus(manifest, clock.now()) !== "ACTIVE") {
          failures.push(failure(id, "ImageNotFound", "Requested image is archived; restore it with UpdateImageStorageClass to pull it"));
          continue;
        }
        if (accepted && !accepted.has(manifest.mediaType)) {
          failures.push(failure(id, "ImageNotFound"));
          continue;
        }
        // The same image asked for twice (e.g. by tag and by digest) is one image.
        const key = `${found.digest} ${found.tag ?? ""}`;
        if (returned.has(key)) continue;
        returned.add(key);
        if (!isPullTimeExcluded(db, ctx, ctx.principal)) store.getManifest(ctx, name, found.digest, { recordPull: true });
        images.push({
          registryId: repo.account,
          repositoryName: repo.name,
          imageId: { imageDigest: found.digest, ...(found.tag !== undefined ? { imageTag: found.tag } : {}) },
          imageManifest: manifest.raw.toString("utf8"),
          imageManifestMediaType: manifest.mediaType,
        });
      }
      return { images, failures };
    },
  };
}
