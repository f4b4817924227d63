import { parseRange } from "../byte-range.js";
import { blobNotFound } from "../errors.js";
import type { Ctx } from "./context.js";
import { OciError } from "./oci-errors.js";
import { FileRangeStream } from "../file-range-stream.js";
import { sendFileRange } from "./send-file-range.js";

/** GET and HEAD /v2/<name>/blobs/<digest>, with single byte ranges (206) and 416 past the end. */
export async function getBlob({ req, reply, scope, store }: Ctx, name: string, digest: string) {
  const info = await store.statBlob(scope, name, digest);
  if (!info) throw blobNotFound(digest);
  const rangeHeader = typeof req.headers.range === "string" ? req.headers.range : undefined;
  const range = parseRange(rangeHeader, info.size);
  reply
    .header("docker-content-digest", info.digest)
    .header("etag", `"${info.digest}"`)
    .header("accept-ranges", "bytes")
    // Content-addressed: the bytes under a digest never change.
    .header("cache-control", "max-age=31536000");
  if (range.kind === "unsatisfiable") {
    throw new OciError("RANGE_INVALID", `the range ${rangeHeader!.slice(0, 100)} is outside the blob's ${info.size} bytes`, undefined, 416, { "content-range": `bytes */${info.size}` });
  }
  // Open before the length is set: a blob removed since stat is a clean 404, not a short body.
  const head = req.method === "HEAD";
  const partial = range.kind === "partial" ? range.range : undefined;
  const body = head ? undefined : await store.openBlob(info.digest, partial);
  reply.header("content-type", "application/octet-stream");
  if (partial) {
    const { start, end } = partial;
    reply.status(206).header("content-range", `bytes ${start}-${end}/${info.size}`).header("content-length", end - start + 1);
  } else {
    reply.status(200).header("content-length", info.size);
  }
  if (body instanceof FileRangeStream) return sendFileRange(reply, body);
  return reply.send(body);
}

/** DELETE /v2/<name>/blobs/<digest>: the repository no longer has the blob (bytes go at GC). */
export function deleteBlob({ reply, scope, store }: Ctx, name: string, digest: string) {
  store.unlinkBlob(scope, name, digest);
  return reply.status(202).header("content-length", 0).send();
}
