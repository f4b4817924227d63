import type { ImageIdentifier, ListImagesRequest } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { EcrDeps } from "./deps.js";
import { matchesFilter } from "./image-filter.js";
import { paginate } from "./page-token.js";
import { imageIdsOf } from "./present-image.js";
import { inRegistry } from "./registry-id.js";

/** ListImages returns up to 100 image IDs a page unless maxResults says otherwise. */
const DEFAULT_PAGE = 100;

/**
 * ListImages: every image as one entry per tag ({imageDigest, imageTag}) or, untagged, its
 * digest alone; oldest push first, in pages keyed by (pushedAt, digest, tag).
 */
export function listImagesHandlers({ store, clock }: EcrDeps): Record<string, Handler> {
  return {
    ListImages: (input: ListImagesRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      const entries: Array<{ id: ImageIdentifier; key: [number, string, string] }> = [];
      const now = clock.now();
      for (const image of store.listImages(ctx, name)) {
        if (!matchesFilter(image, input.filter, now)) continue;
        for (const id of imageIdsOf(image)) entries.push({ id, key: [image.pushedAt.getTime(), image.digest, id.imageTag ?? ""] });
      }
      const { page, nextToken } = paginate(entries, (e) => e.key, { nextToken: input.nextToken, limit: input.maxResults ?? DEFAULT_PAGE });
      return { imageIds: page.map((e) => e.id), nextToken };
    },
  };
}
