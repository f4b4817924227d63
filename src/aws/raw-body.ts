import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { ServiceError } from "../core/errors.js";

/** Biggest request body accepted; ECS's largest inputs (task definitions) are far below it. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The few operations whose inputs are bulk data get more room: a layer part travels base64 in
 * JSON (ECR accepts parts up to 20 MiB), and PutImage carries a manifest of up to 4 MiB that
 * JSON escaping can grow; a PutLogEvents batch of 1 MiB of messages travels in more than 1 MiB of JSON.
 * Every other operation keeps the 1 MiB limit.
 */
const LARGE_BODIES: Record<string, number> = {
  "AmazonEC2ContainerRegistry_V20150921.UploadLayerPart": 28 * 1024 * 1024,
  "AmazonEC2ContainerRegistry_V20150921.PutImage": 10 * 1024 * 1024,
  // 1 MiB of messages is a valid batch; timestamps and JSON escaping (up to 6 bytes a character) come on top.
  "Logs_20140328.PutLogEvents": 8 * 1024 * 1024,
};

export const bodyLimitFor = (target: string | string[] | undefined) =>
  (typeof target === "string" && Object.hasOwn(LARGE_BODIES, target) ? LARGE_BODIES[target] : undefined) ?? MAX_BODY_BYTES;

/**
 * How much of an oversized body is read and thrown away before answering 413. A server that
 * answers and closes while the client is still uploading leaves the client with EPIPE instead
 * of the answer; draining lets every client up to this size read a proper error envelope.
 * Beyond it the connection is cut, as any server must do eventually.
 */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

export const bodyTooLarge = (limit = MAX_BODY_BYTES) =>
  new ServiceError("SerializationException", `The request body is larger than ${limit} bytes.`, true, {}, 413);

/**
 * Fastify content-type parser (and the gateway's own reader, gateway-front.ts) that keeps request bodies as raw bytes (the gateway decodes them
 * itself, and SigV4 verification needs the exact bytes that were signed), enforcing
 * the operation's limit (bodyLimitFor) as above.
 */
export function readRawBody(req: { headers: IncomingHttpHeaders }, payload: IncomingMessage, done: (err: Error | null, body?: Buffer) => void): void {
  const limit = bodyLimitFor(req.headers["x-amz-target"]);
  const drain = Math.max(DRAIN_LIMIT_BYTES, limit);
  const declared = Number(req.headers["content-length"]);
  if (declared > drain) {
    done(bodyTooLarge(limit));
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  let finished = false;
  const finish = (err: Error | null, body?: Buffer) => {
    if (finished) return;
    finished = true;
    payload.removeListener("data", onData);
    payload.removeListener("end", onEnd);
    payload.removeListener("error", onError);
    done(err, body);
  };
  const onData = (chunk: Buffer | string) => {
    received += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    if (received > drain) return finish(bodyTooLarge(limit));
    if (received > limit) chunks.length = 0;
    else chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  };
  const onEnd = () => finish(received > limit ? bodyTooLarge(limit) : null, received > limit ? undefined : Buffer.concat(chunks));
  // The client went away (or the connection broke) before the whole body arrived: its fault,
  // not a server error to log, and no one is left to read the answer anyway.
  const onError = () => finish(new ServiceError("SerializationException", "The request body ended before it was complete."));
  payload.on("data", onData);
  payload.on("end", onEnd);
  payload.on("error", onError);
  payload.resume();
}
