import { ServiceError } from "../core/errors.js";

/**
 * ECR's exceptions for images, layers and policies, with ECR's wording where it is known
 * (from the API reference and from what ECR answers). Handlers throw these directly when the
 * registry's generic error kind (src/ecr/errors.ts) would carry the wrong name or message for
 * the operation in hand, e.g. a digest mismatch is ImageDigestDoesNotMatchException in
 * PutImage but InvalidLayerException in CompleteLayerUpload.
 */
const err = (code: string, message: string, fields?: Record<string, unknown>) => new ServiceError(code, message, true, fields);

export const imageAlreadyExists = (digest: string, tag: string | undefined, name: string, account: string) =>
  err(
    "ImageAlreadyExistsException",
    tag === undefined
      ? `Image with digest '${digest}' already exists in the repository with name '${name}' in registry with id '${account}'`
      : `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${name}' in registry with id '${account}'`,
  );

export const imageDigestDoesNotMatch = () =>
  err("ImageDigestDoesNotMatchException", "The specified image digest does not match the digest that Amazon ECR calculated for the image.");

export const layersNotFoundForImage = (digests: string[], name: string, account: string) =>
  err(
    "LayersNotFoundException",
    `Layers with digests '[${digests.join(", ")}]' required for pushing image into repository with name '${name}' in the registry with id '${account}' do not exist`,
  );

export const referencedImagesNotFound = (digests: string[], name: string, account: string) =>
  err(
    "ReferencedImagesNotFoundException",
    `Manifest list references images '[${digests.join(", ")}]' that do not exist in the repository with name '${name}' in the registry with id '${account}'`,
  );

/** What ECR answers a manifest it cannot read, including one that names no media type. */
export const invalidManifestJson = () => err("InvalidParameterException", "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'");

export const invalidManifest = (reason: string) => err("InvalidParameterException", `Invalid parameter at 'ImageManifest' failed to satisfy constraint: '${reason}'`);

export const imageNotFound = (id: { imageDigest?: string; imageTag?: string }, name: string, account: string) =>
  err(
    "ImageNotFoundException",
    `The image with imageId {imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'} does not exist within the repository with name '${name}' in the registry with id '${account}'`,
  );

export const uploadNotFound = (uploadId: string, name: string, account: string) =>
  err("UploadNotFoundException", `The upload with id '${uploadId}' does not exist in the repository with name '${name}' in the registry with id '${account}'`);

export const invalidLayerPart = (message: string, f: { registryId: string; repositoryName: string; uploadId: string; lastValidByteReceived: number }) =>
  err("InvalidLayerPartException", message, f);

export const invalidLayer = () =>
  err("InvalidLayerException", "The layer digest calculation performed by Amazon ECR upon receipt of the image layer does not match the digest specified.");

export const emptyUpload = (uploadId: string) => err("EmptyUploadException", `The layer upload with id '${uploadId}' does not contain any layer parts.`);

export const layerAlreadyExists = (digest: string, name: string, account: string) =>
  err("LayerAlreadyExistsException", `Layer with digest '${digest}' already exists in the repository with name '${name}' in the registry with id '${account}'`);

export const layersNotFound = (digest: string, name: string, account: string) =>
  err("LayersNotFoundException", `The layer with digest '${digest}' does not exist in the repository with name '${name}' in the registry with id '${account}'`);

export const layerInaccessible = (digest: string) =>
  err("LayerInaccessibleException", `The layer with digest '${digest}' is not available because it is not associated with an image. Unassociated image layers may be cleaned up at any time.`);

export const invalidRepositoryPolicy = () => err("InvalidParameterException", "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'");

export const repositoryPolicyNotFound = (name: string, account: string) =>
  err("RepositoryPolicyNotFoundException", `Repository policy does not exist for the repository with name '${name}' in the registry with id '${account}'`);

export const registryPolicyNotFound = (account: string) =>
  err("RegistryPolicyNotFoundException", `Registry policy does not exist in the registry with id '${account}'`);

export const invalidArn = () => err("InvalidParameterException", "Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'");
