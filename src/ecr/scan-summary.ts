import type { ImageDetail, ImageScanStatus } from "@aws-sdk/client-ecr";
import type { RepositoryRecord } from "../registry/registry-store.js";
import type { ImageScans, ScanRecord } from "../registry/scan/image-scans.js";

/** A scan's status as ECR's ImageScanStatus: the description is kept for finished scans. */
export const scanStatusOf = (scan: ScanRecord): ImageScanStatus =>
  scan.status === "IN_PROGRESS" ? { status: "IN_PROGRESS" } : { status: scan.status, description: scan.description };

/**
 * The scan members of DescribeImages' ImageDetail for one image: imageScanStatus once the image
 * has been scanned (or is being scanned), and imageScanFindingsSummary once a scan completed.
 * An image never scanned gets neither, so the result can be spread into an ImageDetail as it is.
 */
export function scanSummaryFor(scans: ImageScans, repo: RepositoryRecord, imageDigest: string): Pick<ImageDetail, "imageScanStatus" | "imageScanFindingsSummary"> {
  const scan = scans.get(repo, imageDigest);
  if (!scan) return {};
  if (scan.status !== "COMPLETE") return { imageScanStatus: scanStatusOf(scan) };
  return {
    imageScanStatus: scanStatusOf(scan),
    imageScanFindingsSummary: {
      imageScanCompletedAt: scan.completedAt,
      vulnerabilitySourceUpdatedAt: scan.sourceUpdatedAt,
      findingSeverityCounts: scan.counts ?? {},
    },
  };
}
