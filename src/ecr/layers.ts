import type { BatchCheckLayerAvailabilityRequest, GetDownloadUrlForLayerRequest, Layer, LayerFailure } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import { parseDigest } from "../registry/digest.js";
import { DOWNLOAD_PARAM, issueDownloadToken } from "../registry/download-token.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { layerInaccessible, layersNotFound } from "./image-errors.js";
import { inRegistry } from "./registry-id.js";

/**
 * The layer pull side of ECR's API. BatchCheckLayerAvailability: a layer the repository has
 * is AVAILABLE (UNAVAILABLE if its bytes are gone from the blob store), a layer it does not
 * have is a MissingLayerDigest failure, and text that is no digest an InvalidLayerDigest one.
 * GetDownloadUrlForLayer: where ECR hands out a pre-signed S3 URL, Berth hands out the
 * layer's /v2 blob URL on its own port with a signed, short-lived token in the query, which
 * any HTTP client can fetch without other credentials. As in ECR, only layers that an image
 * of the repository names get one.
 */
export function layerHandlers({ store, clock, secret, registryHost }: EcrDeps): Record<string, Handler> {
  return {
    BatchCheckLayerAvailability: async (input: BatchCheckLayerAvailabilityRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      store.requireRepository(ctx, name);
      const layers: Layer[] = [];
      const failures: LayerFailure[] = [];
      for (const layerDigest of input.layerDigests!) {
        if (!parseDigest(layerDigest)) {
          failures.push({ layerDigest, failureCode: "InvalidLayerDigest", failureReason: "Invalid layer digest" });
          continue;
        }
        const info = await store.layerInfo(ctx, name, layerDigest);
        if (!info) {
          failures.push({ layerDigest, failureCode: "MissingLayerDigest", failureReason: "Could not find layer" });
          continue;
        }
        layers.push({
          layerDigest,
          layerAvailability: info.present ? "AVAILABLE" : "UNAVAILABLE",
          layerSize: info.size,
          ...(info.mediaType ? { mediaType: info.mediaType } : {}),
        });
      }
      return { layers, failures };
    },

    GetDownloadUrlForLayer: async (input: GetDownloadUrlForLayerRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      const digest = input.layerDigest!;
      ctx = inRegistry(ctx, input.registryId);
      store.requireRepository(ctx, name);
      if (!parseDigest(digest)) throw invalidParameter(`Invalid parameter at 'layerDigest' failed to satisfy constraint: 'Invalid layer digest ${digest.slice(0, 200)}'`);
      const info = await store.layerInfo(ctx, name, digest);
      if (!info || !info.present) throw layersNotFound(digest, name, ctx.account);
      if (info.mediaType === undefined) throw layerInaccessible(digest);
      const { token } = issueDownloadToken(secret, ctx, name, digest, clock.now());
      const downloadUrl = `http://${registryHost()}/v2/${name}/blobs/${digest}?${DOWNLOAD_PARAM}=${encodeURIComponent(token)}`;
      return { downloadUrl, layerDigest: digest };
    },
  };
}
