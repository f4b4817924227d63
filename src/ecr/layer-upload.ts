import { Readable } from "node:stream";
import type { CompleteLayerUploadRequest, InitiateLayerUploadRequest, UploadLayerPartRequest } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import { isRegistryError } from "../registry/errors.js";
import { bodyLimitFor } from "../aws/raw-body.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { emptyUpload, invalidLayer, invalidLayerPart, layerAlreadyExists, uploadNotFound } from "./image-errors.js";
import { inRegistry } from "./registry-id.js";

/**
 * The part size InitiateLayerUpload asks for: the largest power of two whose base64 form,
 * with the request's other members, fits the gateway's request body limit. Larger parts are
 * accepted as long as their request fits.
 */
export const PART_SIZE = largestPart(bodyLimitFor("AmazonEC2ContainerRegistry_V20150921.UploadLayerPart"));

function largestPart(bodyLimit: number): number {
  let size = 1;
  while (Math.ceil((size * 2) / 3) * 4 + 4096 <= bodyLimit) size *= 2;
  return size;
}

const OUT_OF_ORDER = "The layer part size is not valid, or the first byte specified is not consecutive to the last byte of a previous layer part upload.";

/**
 * ECR's layer push API over the registry's upload sessions (the same sessions /v2 chunked
 * uploads use, so they survive restarts): InitiateLayerUpload opens one, UploadLayerPart
 * appends base64 parts that must follow each other byte for byte, CompleteLayerUpload checks
 * the digest and makes the layer a blob of the repository.
 */
export function layerUploadHandlers({ store }: EcrDeps): Record<string, Handler> {
  /** The session, or ECR's UploadNotFoundException. */
  async function session(ctx: RequestContext, name: string, uploadId: string) {
    try {
      return await store.uploadStatus(ctx, name, uploadId);
    } catch (e) {
      if (isRegistryError(e, "UploadNotFound")) throw uploadNotFound(uploadId, name, ctx.account);
      throw e;
    }
  }

  return {
    InitiateLayerUpload: async (input: InitiateLayerUploadRequest, ctx: RequestContext) => {
      ctx = inRegistry(ctx, input.registryId);
      const upload = await store.startUpload(ctx, input.repositoryName!);
      return { uploadId: upload.id, partSize: PART_SIZE };
    },

    UploadLayerPart: async (input: UploadLayerPartRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      const uploadId = input.uploadId!;
      ctx = inRegistry(ctx, input.registryId);
      const blob = input.layerPartBlob as unknown as Buffer;
      const first = input.partFirstByte!;
      const last = input.partLastByte!;
      const status = await session(ctx, name, uploadId);
      const refuse = (received: number) =>
        invalidLayerPart(OUT_OF_ORDER, { registryId: ctx.account, repositoryName: name, uploadId, lastValidByteReceived: Math.max(0, received - 1) });
      if (first !== status.size || last < first || last - first + 1 !== blob.length) throw refuse(status.size);
      try {
        const info = await store.appendUpload(ctx, name, uploadId, Readable.from([blob]), { start: first, length: blob.length });
        return { registryId: ctx.account, repositoryName: name, uploadId, lastByteReceived: info.size - 1 };
      } catch (e) {
        // Another part of the same upload landed first.
        if (isRegistryError(e, "UploadOutOfOrder") || isRegistryError(e, "SizeMismatch")) throw refuse((await session(ctx, name, uploadId)).size);
        if (isRegistryError(e, "UploadNotFound")) throw uploadNotFound(uploadId, name, ctx.account);
        throw e;
      }
    },

    CompleteLayerUpload: async (input: CompleteLayerUploadRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      const uploadId = input.uploadId!;
      ctx = inRegistry(ctx, input.registryId);
      const digests = [...new Set(input.layerDigests!)];
      // One upload is one layer: several digests can only all match if they are one digest.
      if (digests.length !== 1) throw invalidLayer();
      const digest = digests[0]!;
      const status = await session(ctx, name, uploadId);
      if (status.size === 0) throw emptyUpload(uploadId);
      let linked;
      try {
        linked = await store.statBlob(ctx, name, digest);
      } catch (e) {
        if (isRegistryError(e, "InvalidDigest")) throw invalidParameter(`Invalid parameter at 'layerDigests' failed to satisfy constraint: 'Invalid layer digest ${digest.slice(0, 200)}'`);
        throw e;
      }
      if (linked) {
        // The session can never be used again; drop its bytes rather than leave them for GC.
        await store.cancelUpload(ctx, name, uploadId);
        throw layerAlreadyExists(digest, name, ctx.account);
      }
      try {
        const blob = await store.completeUpload(ctx, name, uploadId, digest);
        return { registryId: ctx.account, repositoryName: name, uploadId, layerDigest: blob.digest };
      } catch (e) {
        if (isRegistryError(e, "DigestMismatch")) throw invalidLayer();
        if (isRegistryError(e, "UploadNotFound")) throw uploadNotFound(uploadId, name, ctx.account);
        throw e;
      }
    },
  };
}
