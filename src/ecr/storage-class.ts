import type { UpdateImageStorageClassRequest } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import { ServiceError } from "../core/errors.js";
import { imageStatus } from "../registry/storage-class.js";
import type { EcrDeps } from "./deps.js";
import { requireImage } from "./image-lookup.js";
import { inRegistry } from "./registry-id.js";

/**
 * UpdateImageStorageClass: ARCHIVE moves an ACTIVE image to the archive storage class
 * (ARCHIVED: listed and described, never pulled); STANDARD restores an ARCHIVED one
 * (ACTIVATING, then ACTIVE: registry/storage-class.ts). Asking for the class an image is
 * already in changes nothing and answers its status; archiving an image while it is being
 * restored is refused.
 */
export function storageClassHandlers({ store, clock }: EcrDeps): Record<string, Handler> {
  return {
    UpdateImageStorageClass: (input: UpdateImageStorageClassRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      const { repo, digest, imageId } = requireImage(store, ctx, input);
      const status = imageStatus(store.getManifest(ctx, name, digest), clock.now());
      let after = status;
      if (input.targetStorageClass === "ARCHIVE") {
        if (status === "ACTIVATING") {
          throw new ServiceError("ImageStorageClassUpdateNotSupportedException", `The image with digest '${digest}' in repository '${name}' is being restored and cannot be archived until the restore completes`);
        }
        if (status === "ACTIVE") {
          store.archiveImage(ctx, name, digest);
          after = "ARCHIVED";
        }
      } else if (status === "ARCHIVED") {
        store.restoreImage(ctx, name, digest);
        after = "ACTIVATING";
      }
      return {
        registryId: repo.account,
        repositoryName: repo.name,
        imageId,
        imageStatus: after,
      };
    },
  };
}
