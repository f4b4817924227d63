import type { DescribeImageScanFindingsRequest, ImageIdentifier, StartImageScanRequest } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { RepositoryRecord } from "../registry/registry-store.js";
import { scanKind } from "../registry/scan/scannable.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { scanNotFound, scanQuotaExceeded, unsupportedImageType } from "./scan-errors.js";
import { scanStatusOf } from "./scan-summary.js";
import { requireImage } from "./image-lookup.js";
import { inRegistry } from "./registry-id.js";

/** DescribeImageScanFindings' page size when maxResults is absent (API reference). */
const DEFAULT_PAGE = 100;
/** "A basic image scan can only be started once per 24 hours on an individual image." */
const SCAN_QUOTA_MS = 24 * 60 * 60 * 1000;


const header = (repo: RepositoryRecord, imageId: ImageIdentifier) => ({ registryId: repo.account, repositoryName: repo.name, imageId });

/**
 * StartImageScan and DescribeImageScanFindings (basic scanning). PutImageScanningConfiguration,
 * which only stores scanOnPush, is in repository-settings.ts; the scanner reads the flag at
 * each push.
 */
export function scanHandlers({ store, scans, clock }: EcrDeps): Record<string, Handler> {
  return {
    StartImageScan: (input: StartImageScanRequest, ctx: RequestContext) => {
      ctx = inRegistry(ctx, input.registryId);
      const { repo, digest, imageId } = requireImage(store, ctx, input);
      // The model's ImageArchivedException: an archived (or restoring) image is not scanned.
      const kind = scanKind(store.getManifest(ctx, repo.name, digest, { requireActive: true }));
      if (kind === "index") throw unsupportedImageType("a manifest list or image index is not scanned; scan the images it lists.");
      if (kind === "artifact") throw unsupportedImageType("the artifact is not a container image.");
      const last = scans.get(repo, digest);
      // A failed scan can be retried at once: it found nothing to count against the quota.
      if (last && last.status !== "FAILED" && clock.now().getTime() - last.startedAt.getTime() < SCAN_QUOTA_MS) throw scanQuotaExceeded();
      const scan = scans.start(repo, digest);
      return { ...header(repo, imageId), imageScanStatus: scanStatusOf(scan) };
    },

    DescribeImageScanFindings: (input: DescribeImageScanFindingsRequest, ctx: RequestContext) => {
      ctx = inRegistry(ctx, input.registryId);
      const { repo, digest, imageId } = requireImage(store, ctx, input);
      const scan = scans.get(repo, digest);
      if (!scan) throw scanNotFound(input.imageId!, repo.name, repo.account);
      const base = { ...header(repo, imageId), imageScanStatus: scanStatusOf(scan) };
      if (scan.status !== "COMPLETE") return base;
      // Findings of a scan never change, so the token is the scan and the next offset.
      let offset = 0;
      if (input.nextToken !== undefined) {
        const [scanId, at] = decodePageToken(input.nextToken);
        if (scanId !== scan.scanId || typeof at !== "number" || !Number.isSafeInteger(at) || at < 0) {
          throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'The token does not belong to the image's latest scan.'");
        }
        offset = at;
      }
      const limit = input.maxResults ?? DEFAULT_PAGE;
      const page = scans.findings(repo, digest, offset, limit + 1);
      return {
        ...base,
        imageScanFindings: {
          imageScanCompletedAt: scan.completedAt,
          vulnerabilitySourceUpdatedAt: scan.sourceUpdatedAt,
          findingSeverityCounts: scan.counts ?? {},
          findings: page.slice(0, limit),
        },
        nextToken: page.length > limit ? encodePageToken([scan.scanId, offset + limit]) : undefined,
      };
    },
  };
}
