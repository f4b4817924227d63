import { MEDIA_TYPES } from "../manifest.js";

/** Config media types of container images; anything else is an artifact (a chart, a signature). */
const IMAGE_CONFIGS = new Set(["application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"]);

/**
 * Whether an image can be scanned: images can; manifest lists and indexes cannot (ECR scans the
 * images they list, each on its own), nor can artifacts that are not container images.
 */
export function scanKind(m: { mediaType: string; configMediaType?: string }): "image" | "index" | "artifact" {
  if (m.mediaType === MEDIA_TYPES.ociIndex || m.mediaType === MEDIA_TYPES.dockerList) return "index";
  return m.configMediaType !== undefined && IMAGE_CONFIGS.has(m.configMediaType) ? "image" : "artifact";
}
