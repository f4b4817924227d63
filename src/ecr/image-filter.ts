import type { ListImagesFilter } from "@aws-sdk/client-ecr";
import type { ImageRecord } from "../registry/registry-store.js";

/**
 * ListImages' and DescribeImages' filter: tagStatus TAGGED, UNTAGGED or ANY (the default);
 * imageStatus ACTIVE or ANY keeps everything, since Berth never archives an image, and the
 * other statuses match nothing.
 */
export function matchesFilter(image: ImageRecord, filter: ListImagesFilter = {}): boolean {
  const { tagStatus = "ANY", imageStatus = "ANY" } = filter;
  if (imageStatus !== "ANY" && imageStatus !== "ACTIVE") return false;
  if (tagStatus === "TAGGED") return image.tags.length > 0;
  if (tagStatus === "UNTAGGED") return image.tags.length === 0;
  return true;
}
