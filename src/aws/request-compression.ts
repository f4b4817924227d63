import { gunzipSync } from "node:zlib";
import { ServiceError } from "../core/errors.js";
import type { WireRequest } from "./protocols/codec.js";
import { MAX_BODY_BYTES } from "./raw-body.js";

/**
 * Smithy's request compression (@requestCompression; CloudWatch's PutMetricData): the SDKs gzip a
 * body over 10 KB and say so in Content-Encoding. The protocols decode the inflated bytes; the
 * signature covers the bytes sent, which `signedBody` keeps for SigV4. Inflated bodies get the
 * same limit as plain ones, so a small gzip bomb cannot grow past it.
 */
export function inflateRequest(wire: WireRequest): WireRequest {
  const header = wire.headers["content-encoding"];
  if (header === undefined) return wire;
  const encodings = (Array.isArray(header) ? header.join(",") : header).split(",").map((e) => e.trim().toLowerCase()).filter((e) => e && e !== "identity");
  if (encodings.length === 0) return wire;
  if (encodings.length > 1 || encodings[0] !== "gzip") {
    throw new ServiceError("SerializationException", `The request's Content-Encoding ${encodings.join(", ")} is not supported: send gzip or none.`, true, {}, 415);
  }
  let body: Buffer;
  try {
    body = gunzipSync(wire.body, { maxOutputLength: MAX_BODY_BYTES });
  } catch (err) {
    const tooLarge = (err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
    throw tooLarge
      ? new ServiceError("SerializationException", `The request body is larger than ${MAX_BODY_BYTES} bytes once inflated.`, true, {}, 413)
      : new ServiceError("SerializationException", "The request body is not valid gzip data.");
  }
  return { ...wire, body, signedBody: wire.body };
}
