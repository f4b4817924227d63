import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import type { WireRequest, WireResponse } from "./protocols/codec.js";
import { ServiceError } from "../core/errors.js";
import { newRequestId } from "../core/ids.js";
import { bodyTooLarge } from "./raw-body.js";
import { unsupportedMediaType } from "./protocols/aws-json.js";
import { clip } from "./service.js";

// The gateway for every protocol is ./gateway.ts; AWS JSON's codec is ./protocols/aws-json.ts.
// What stays here is the AWS JSON error envelope, which the server's one error handler uses.
export type { Handler, AwsService as JsonService } from "./service.js";
export { MAX_JSON_DEPTH } from "./protocols/aws-json.js";
export { MAX_BODY_BYTES, readRawBody } from "./raw-body.js";


/** The AWS JSON error envelope. Unknown errors become ServerException; their cause is logged, never sent. */
export function sendJsonError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const out = jsonErrorResponse(err, req.headers, req.log, reply.getHeader("x-amzn-RequestId") as string | undefined);
  return reply.status(out.status).headers(out.headers).send(out.body);
}

/** sendJsonError's answer, for a request of these headers (the gateway's own path writes it itself). */
export function jsonErrorResponse(err: unknown, headers: WireRequest["headers"], log: Pick<FastifyBaseLogger, "error">, requestId: string = newRequestId()): WireResponse {
  const e = toServiceError(err, headers);
  if (!e) {
    log.error({ err }, "unhandled error");
  }
  const error = e ?? new ServiceError("ServerException", "An internal error occurred.", false);
  const status = error.status ?? (error.sender ? 400 : 500);
  return {
    status,
    headers: { "x-amzn-requestid": requestId, "x-amzn-errortype": error.code, "content-type": "application/x-amz-json-1.1" },
    body: JSON.stringify({ ...error.fields, __type: error.code, message: error.message }),
  };
}

/** Any method or path other than the APIs' own: the same envelope, with 404. */
export function sendJsonNotFound(req: FastifyRequest, reply: FastifyReply) {
  const path = req.url.split("?")[0] ?? "";
  return sendJsonError(new ServiceError("UnknownOperationException", `No route for ${req.method} ${clip(path)}.`, true, {}, 404), req, reply);
}

/** Framework errors that are the caller's fault (body too large, bad content length) keep their meaning. */
function toServiceError(err: unknown, headers: WireRequest["headers"]): ServiceError | undefined {
  if (err instanceof ServiceError) return err;
  const f = err as { code?: string; statusCode?: number; message?: string };
  // A Content-Type Fastify cannot even parse (no "/"): Fastify would answer 415, but it is one
  // more media type that is not AWS JSON, answered as any other (resolveTarget).
  if (f.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    const contentType = headers["content-type"];
    return unsupportedMediaType(typeof contentType === "string" ? contentType.split(";")[0]!.trim().toLowerCase() : "");
  }
  if (f.code === "FST_ERR_BAD_URL") {
    return new ServiceError("UnknownOperationException", "The request path is not a valid URL path.", true, {}, 404);
  }
  if (f.code === "FST_ERR_CTP_BODY_TOO_LARGE") return bodyTooLarge();
  if (typeof f.statusCode === "number" && f.statusCode >= 400 && f.statusCode < 500) {
    return new ServiceError("SerializationException", f.message ?? "Bad request.", true, {}, f.statusCode);
  }
  return undefined;
}
