import type { DescribeImagesRequest, ImageDetail } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { imageNotFound } from "./image-errors.js";
import { matchesFilter } from "./image-filter.js";
import { isFailure, resolveImageId } from "./image-ids.js";
import { paginate } from "./page-token.js";
import { imageSizes, presentImageDetail } from "./present-image.js";
import { inRegistry } from "./registry-id.js";
import { scanSummaryFor } from "./scan-summary.js";

const DEFAULT_PAGE = 100;

/**
 * DescribeImages: the named images (one unknown image fails the call with
 * ImageNotFoundException, as ECR does), or every image matching the filter in pages keyed by
 * (pushedAt, digest). Named images and pagination cannot be combined.
 */
export function describeImagesHandlers({ store, scans, clock }: EcrDeps): Record<string, Handler> {
  return {
    DescribeImages: (input: DescribeImagesRequest, ctx: RequestContext) => {
      const name = input.repositoryName!;
      ctx = inRegistry(ctx, input.registryId);
      const repo = store.requireRepository(ctx, name);
      const images = store.listImages(ctx, name);
      const sizes = imageSizes(images);
      const now = clock.now();
      const detail = (i: (typeof images)[number]) => ({ ...presentImageDetail(repo, i, sizes.get(i.digest) ?? 0, now), ...scanSummaryFor(scans, repo, i.digest) });

      if (input.imageIds?.length) {
        if (input.nextToken !== undefined || input.maxResults !== undefined) {
          throw invalidParameter("Invalid parameter: maxResults and nextToken cannot be used when images are specified with imageIds.");
        }
        const byDigest = new Map(images.map((i) => [i.digest, i]));
        const imageDetails: ImageDetail[] = [];
        const seen = new Set<string>();
        for (const id of input.imageIds) {
          const found = resolveImageId(store, ctx, name, id);
          if (isFailure(found)) {
            if (found.failureCode === "ImageNotFound" || found.failureCode === "ImageTagDoesNotMatchDigest") throw imageNotFound(id, name, repo.account);
            throw invalidParameter(`Invalid parameter at 'imageIds': ${found.failureReason}`);
          }
          const image = byDigest.get(found.digest);
          if (!image) throw imageNotFound(id, name, repo.account);
          if (!seen.has(image.digest)) imageDetails.push(detail(image));
          seen.add(image.digest);
        }
        return { imageDetails };
      }

      const matching = images.filter((i) => matchesFilter(i, input.filter, now));
      const { page, nextToken } = paginate(matching, (i) => [i.pushedAt.getTime(), i.digest], { nextToken: input.nextToken, limit: input.maxResults ?? DEFAULT_PAGE });
      return { imageDetails: page.map(detail), nextToken };
    },
  };
}
