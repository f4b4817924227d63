import type { FastifyReply, FastifyRequest } from "fastify";
import { ServiceError } from "../../core/errors.js";
import { RegistryError, type RegistryErrorKind } from "../errors.js";

/**
 * The registry's wire errors, in one table: the OCI distribution spec's codes plus the few
 * that distribution (the reference registry) adds and clients know (TAG_INVALID,
 * RANGE_INVALID, PAGINATION_NUMBER_INVALID). Bodies are {"errors":[{code,message,detail}]}.
 */
export const OCI_ERRORS = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  TAG_INVALID: 400,
  RANGE_INVALID: 416,
  PAGINATION_NUMBER_INVALID: 400,
  UNKNOWN: 500,
} as const;

export type OciCode = keyof typeof OCI_ERRORS;

/** Each domain error's wire code, and the status when it differs from the code's own. */
const BY_KIND: Record<RegistryErrorKind, [OciCode, number?]> = {
  RepositoryNotFound: ["NAME_UNKNOWN"],
  RepositoryAlreadyExists: ["DENIED", 409],
  RepositoryNotEmpty: ["DENIED", 409],
  InvalidName: ["NAME_INVALID"],
  InvalidTag: ["TAG_INVALID"],
  InvalidDigest: ["DIGEST_INVALID"],
  InvalidManifest: ["MANIFEST_INVALID"],
  // The spec: a registry that refuses a manifest for its size answers 413.
  ManifestTooLarge: ["SIZE_INVALID", 413],
  ManifestNotFound: ["MANIFEST_UNKNOWN"],
  // ECR's user guide: a pull of an archived image "will fail with a 404 error".
  ManifestArchived: ["MANIFEST_UNKNOWN"],
  ManifestReferencesMissing: ["MANIFEST_BLOB_UNKNOWN"],
  ManifestReferenced: ["DENIED", 409],
  // What ECR's registry answers a push that would move an immutable tag.
  TagImmutable: ["TAG_INVALID"],
  BlobNotFound: ["BLOB_UNKNOWN"],
  DigestMismatch: ["DIGEST_INVALID"],
  SizeMismatch: ["SIZE_INVALID"],
  UploadNotFound: ["BLOB_UPLOAD_UNKNOWN"],
  // The spec: a chunk uploaded out of order gets 416.
  UploadOutOfOrder: ["RANGE_INVALID"],
  UploadInvalid: ["BLOB_UPLOAD_INVALID"],
};

/** An error raised by the HTTP layer itself (auth, routing, query parameters). */
export class OciError extends Error {
  constructor(
    readonly code: OciCode,
    message: string,
    readonly detail?: unknown,
    readonly status: number = OCI_ERRORS[code],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendOciError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  let code: OciCode;
  let status: number;
  let message: string;
  let detail: unknown;
  if (err instanceof OciError) {
    ({ code, status, message, detail } = err);
    reply.headers(err.headers);
  } else if (err instanceof RegistryError) {
    const [c, s] = BY_KIND[err.kind];
    code = c;
    status = s ?? OCI_ERRORS[c];
    message = err.message;
    detail = err.detail;
  } else if (err instanceof ServiceError && err.sender && err.status !== undefined) {
    // Refused at the HTTP edge before routing (client-error.ts: no Host header).
    code = "UNSUPPORTED";
    status = err.status;
    message = err.message;
  } else {
    const f = err as { code?: string; statusCode?: number };
    if (f.code === "FST_ERR_CTP_BODY_TOO_LARGE" || f.code === "FST_ERR_CTP_INVALID_CONTENT_LENGTH") {
      code = "SIZE_INVALID";
      status = 400;
      message = "the request body does not match its length";
    } else {
      req.log.error({ err }, "registry: unhandled error");
      code = "UNKNOWN";
      status = 500;
      message = "unknown error";
    }
  }
  const body: { code: OciCode; message: string; detail?: unknown } = { code, message };
  if (detail !== undefined) body.detail = detail;
  const payload = req.method === "HEAD" ? undefined : JSON.stringify({ errors: [body] });
  // A handler may have announced its own body's length before failing.
  reply.removeHeader("content-length");
  return reply.status(status).header("content-type", "application/json; charset=utf-8").send(payload);
}
