/**
 * What can go wrong in the registry's domain, independent of protocol. The OCI edge
 * (http/oci-errors.ts) and the ECR API (src/ecr/errors.ts) each map a kind to their own wire
 * error; domain code never picks a status code or a wire name. `detail` is structured data
 * the edges may show (the OCI envelope's `detail`, an ECR failure list).
 */
export type RegistryErrorKind =
  | "RepositoryNotFound"
  | "RepositoryAlreadyExists"
  | "RepositoryNotEmpty"
  | "InvalidName"
  | "InvalidTag"
  | "InvalidDigest"
  | "InvalidManifest"
  | "ManifestTooLarge"
  | "ManifestNotFound"
  /** The image is in the archive storage class (or still being restored): it cannot be pulled. */
  | "ManifestArchived"
  /** A manifest names blobs or child manifests the repository does not have. */
  | "ManifestReferencesMissing"
  /** A manifest cannot be deleted while an index in the same repository lists it. */
  | "ManifestReferenced"
  /** The tag exists, names another manifest, and the repository's tags are immutable. */
  | "TagImmutable"
  | "BlobNotFound"
  /** The content did not hash to the digest it was sent under; nothing was stored. */
  | "DigestMismatch"
  /** The content's length differs from what the client declared. */
  | "SizeMismatch"
  | "UploadNotFound"
  /** A chunk does not start where the upload ends. */
  | "UploadOutOfOrder"
  | "UploadInvalid";

export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
    this.name = kind;
  }
}

/** ECR's wording, which the registry endpoint uses too (NAME_UNKNOWN on push and pull). */
export const repositoryNotFound = (name: string, account: string) =>
  new RegistryError("RepositoryNotFound", `The repository with name '${name}' does not exist in the registry with id '${account}'`, { name });

export const repositoryAlreadyExists = (name: string, account: string) =>
  new RegistryError("RepositoryAlreadyExists", `The repository with name '${name}' already exists in the registry with id '${account}'`, { name });

export const repositoryNotEmpty = (name: string, account: string) =>
  new RegistryError(
    "RepositoryNotEmpty",
    `The repository with name '${name}' in registry with id '${account}' cannot be deleted because it still contains images`,
    { name },
  );

export const invalidName = (name: string) =>
  new RegistryError("InvalidName", "invalid repository name: must be 2-256 characters of lower-case path components ([a-z0-9] joined by '.', '_', '__' or '-', separated by '/')", { name: name.slice(0, 300) });

export const invalidDigest = (digest: string) =>
  new RegistryError("InvalidDigest", "invalid digest: expected sha256:<64 lower-case hex> or sha512:<128 lower-case hex>", { digest: digest.slice(0, 200) });

export const invalidManifest = (message: string, detail?: Record<string, unknown>) => new RegistryError("InvalidManifest", message, detail);

export const manifestNotFound = (name: string, reference: string) =>
  new RegistryError("ManifestNotFound", `manifest unknown: ${reference} is not in repository ${name}`, { name, reference });

export const blobNotFound = (digest: string) => new RegistryError("BlobNotFound", `blob unknown: ${digest}`, { digest });

export const uploadNotFound = (id: string) => new RegistryError("UploadNotFound", "blob upload unknown", { uploadId: id.slice(0, 100) });

export const digestMismatch = (expected: string, actual: string) =>
  new RegistryError("DigestMismatch", `the content's digest is ${actual}, not ${expected}; nothing was stored`, { expected, actual });

export const tagImmutable = (name: string, tag: string) =>
  new RegistryError(
    "TagImmutable",
    `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the repository is immutable.`,
    { name, tag },
  );

export const isRegistryError = (e: unknown, kind?: RegistryErrorKind): e is RegistryError =>
  e instanceof RegistryError && (kind === undefined || e.kind === kind);
