import type { ImageDetail, ImageIdentifier } from "@aws-sdk/client-ecr";
import type { ImageRecord, RepositoryRecord } from "../registry/registry-store.js";
import { parseManifest } from "../registry/manifest.js";
import { imageStatus, lastActivatedAt } from "../registry/storage-class.js";

/**
 * Image sizes as ECR reports them: an image's is what its manifest names (config and layers,
 * as stored, i.e. compressed); a manifest list's is the largest of the images it lists
 * (API reference, ImageDetail.imageSizeInBytes).
 */
export function imageSizes(images: ImageRecord[]): Map<string, number> {
  const sizes = new Map(images.map((i) => [i.digest, i.imageSize]));
  for (const image of images) {
    if (image.configMediaType !== undefined) continue;
    let children: string[] = [];
    try {
      children = parseManifest(image.raw, image.mediaType).children.map((c) => c.digest);
    } catch {
      /* stored manifests were checked when pushed; size 0 if one cannot be read */
    }
    sizes.set(image.digest, Math.max(0, ...children.map((c) => sizes.get(c) ?? 0)));
  }
  return sizes;
}

/** An image in DescribeImages' shape, without the scan members (scan-summary.ts adds those). */
export function presentImageDetail(repo: RepositoryRecord, image: ImageRecord, size: number, now: Date): ImageDetail {
  return {
    registryId: repo.account,
    repositoryName: repo.name,
    imageDigest: image.digest,
    imageTags: image.tags.length ? image.tags : undefined,
    imageSizeInBytes: size,
    imagePushedAt: image.pushedAt,
    imageManifestMediaType: image.mediaType,
    artifactMediaType: image.artifactType,
    lastRecordedPullTime: image.lastPullAt,
    subjectManifestDigest: image.subject,
    imageStatus: imageStatus(image, now),
    lastArchivedAt: image.archivedAt,
    lastActivatedAt: lastActivatedAt(image, now),
  };
}

/** ListImages' entries: one per tag, or one with the digest alone for an untagged image. */
export function imageIdsOf(image: ImageRecord): ImageIdentifier[] {
  return image.tags.length ? image.tags.map((imageTag) => ({ imageDigest: image.digest, imageTag })) : [{ imageDigest: image.digest }];
}
