import { ServiceError } from "../core/errors.js";
import { RegistryError, type RegistryErrorKind } from "../registry/errors.js";

/**
 * The registry's domain errors as ECR's exceptions. Kinds that ECR operations written so far
 * cannot meet map to InvalidParameterException; later operations (PutImage, the layer API,
 * BatchDeleteImage) extend this table with their own exceptions.
 */
const BY_KIND: Partial<Record<RegistryErrorKind, string>> = {
  RepositoryNotFound: "RepositoryNotFoundException",
  RepositoryAlreadyExists: "RepositoryAlreadyExistsException",
  RepositoryNotEmpty: "RepositoryNotEmptyException",
  ManifestNotFound: "ImageNotFoundException",
  ManifestArchived: "ImageArchivedException",
  TagImmutable: "ImageTagAlreadyExistsException",
  DigestMismatch: "ImageDigestDoesNotMatchException",
  ManifestReferencesMissing: "LayersNotFoundException",
  UploadNotFound: "UploadNotFoundException",
  BlobNotFound: "LayersNotFoundException",
};

export function toEcrError(e: unknown): unknown {
  if (!(e instanceof RegistryError)) return e;
  return new ServiceError(BY_KIND[e.kind] ?? "InvalidParameterException", e.message);
}

export const invalidParameter = (message: string) => new ServiceError("InvalidParameterException", message);
export const invalidTagParameter = (message: string) => new ServiceError("InvalidTagParameterException", message);
export const tooManyTags = (message: string) => new ServiceError("TooManyTagsException", message);
