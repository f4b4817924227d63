import type { AppendOptions } from "../blob-store.js";
import { parseContentRange } from "../byte-range.js";
import { RegistryError } from "../errors.js";
import { blobLocation, contentLength, hasBody, uploadLocation, uploadRange, type Ctx } from "./context.js";
import { first } from "./pagination.js";
import { OciError } from "./oci-errors.js";
import type { BlobInfo, UploadInfo } from "../registry-store.js";

const query = (c: Ctx) => c.req.query as Record<string, unknown>;

function created(c: Ctx, name: string, info: BlobInfo) {
  return c.reply.status(201).header("location", blobLocation(name, info.digest)).header("docker-content-digest", info.digest).header("content-length", 0).send();
}

function accepted(c: Ctx, name: string, upload: UploadInfo, status: 202 | 204) {
  return c.reply
    .status(status)
    .header("location", uploadLocation(name, upload.id))
    .header("range", uploadRange(upload.size))
    .header("docker-upload-uuid", upload.id)
    .header("content-length", 0)
    .send();
}

/**
 * POST /v2/<name>/blobs/uploads/: a mount (?mount=&from=, falling back to a new session when
 * the blob cannot be mounted, or the caller may not read it there), a monolithic upload (?digest=, streamed and verified), or a new
 * upload session.
 */
export async function startUpload(c: Ctx, name: string) {
  const { scope, store } = c;
  const mount = first(query(c).mount);
  const from = first(query(c).from);
  if (mount !== undefined && from !== undefined && (c.mayRead?.(from) ?? true)) {
    const info = await store.mountBlob(scope, name, from, mount);
    if (info) return created(c, name, info);
  }
  const digest = first(query(c).digest);
  if (digest !== undefined) {
    const info = await store.putBlob(scope, name, digest, c.req.raw, { size: contentLength(c.req) });
    return created(c, name, info);
  }
  return accepted(c, name, await store.startUpload(scope, name), 202);
}

/** GET /v2/<name>/blobs/uploads/<id>: how much has arrived, for resuming. */
export async function uploadStatus(c: Ctx, name: string, id: string) {
  return accepted(c, name, await c.store.uploadStatus(c.scope, name, id), 204);
}

/** PATCH /v2/<name>/blobs/uploads/<id>: one chunk, streamed; 416 unless it starts where the upload ends. */
export async function patchUpload(c: Ctx, name: string, id: string) {
  const upload = await c.store.appendUpload(c.scope, name, id, c.req.raw, chunkOptions(c));
  return accepted(c, name, upload, 202);
}

/** PUT /v2/<name>/blobs/uploads/<id>?digest=: an optional last chunk, then verify and link. */
export async function finishUpload(c: Ctx, name: string, id: string) {
  const digest = first(query(c).digest);
  if (digest === undefined) throw new OciError("DIGEST_INVALID", "the digest query parameter is required to complete an upload");
  const info = await c.store.completeUpload(c.scope, name, id, digest, hasBody(c.req) ? c.req.raw : undefined, chunkOptions(c));
  return created(c, name, info);
}

/** DELETE /v2/<name>/blobs/uploads/<id>: cancel. */
export async function cancelUpload(c: Ctx, name: string, id: string) {
  await c.store.cancelUpload(c.scope, name, id);
  return c.reply.status(204).send();
}

/** Where the chunk says it starts and how long it is, from Content-Range and Content-Length. */
function chunkOptions(c: Ctx): AppendOptions {
  const length = contentLength(c.req);
  const header = c.req.headers["content-range"];
  if (typeof header !== "string") return { length };
  const range = parseContentRange(header);
  if (!range) throw new RegistryError("UploadInvalid", `invalid Content-Range ${header.slice(0, 100)}: expected <start>-<end>`);
  const rangeLength = range.end - range.start + 1;
  if (length !== undefined && length !== rangeLength) {
    throw new RegistryError("UploadInvalid", `Content-Range ${header.slice(0, 100)} covers ${rangeLength} bytes but Content-Length is ${length}`);
  }
  return { start: range.start, length: rangeLength };
}
