import type { ListImagesFilter } from "@aws-sdk/client-ecr";
import type { ImageRecord } from "../registry/registry-store.js";
import { imageStatus } from "../registry/storage-class.js";

/**
 * ListImages' and DescribeImages' filter: tagStatus TAGGED, UNTAGGED or ANY (the default);
 * imageStatus ACTIVE (the default: "If not specified, only images with ACTIVE status are
 * returned"), ARCHIVED, ACTIVATING or ANY.
 */
export function matchesFilter(image: ImageRecord, filter: ListImagesFilter = {}, now: Date): boolean {
  const { tagStatus = "ANY", imageStatus: wanted = "ACTIVE" } = filter;
  if (wanted !== "ANY" && wanted !== imageStatus(image, now)) return false;
  if (tagStatus === "TAGGED") return image.tags.length > 0;
  if (tagStatus === "UNTAGGED") return image.tags.length === 0;
  return true;
}
