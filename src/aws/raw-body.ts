import type { FastifyRequest } from "fastify";
import type { IncomingMessage } from "node:http";
import { ServiceError } from "../core/errors.js";

/** Biggest request body accepted; ECS's largest inputs (task definitions) are far below it. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * How much of an oversized body is read and thrown away before answering 413. A server that
 * answers and closes while the client is still uploading leaves the client with EPIPE instead
 * of the answer; draining lets every client up to this size read a proper error envelope.
 * Beyond it the connection is cut, as any server must do eventually.
 */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

export const bodyTooLarge = () =>
  new ServiceError("SerializationException", `The request body is larger than ${MAX_BODY_BYTES} bytes.`, true, {}, 413);

/**
 * Fastify content-type parser that keeps request bodies as raw bytes (the gateway decodes them
 * itself, and SigV4 verification needs the exact bytes that were signed), enforcing
 * MAX_BODY_BYTES as above.
 */
export function readRawBody(req: FastifyRequest, payload: IncomingMessage, done: (err: Error | null, body?: Buffer) => void): void {
  const declared = Number(req.headers["content-length"]);
  if (declared > DRAIN_LIMIT_BYTES) {
    done(bodyTooLarge());
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
    if (received > DRAIN_LIMIT_BYTES) return finish(bodyTooLarge());
    if (received > MAX_BODY_BYTES) chunks.length = 0;
    else chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  };
  const onEnd = () => finish(received > MAX_BODY_BYTES ? bodyTooLarge() : null, received > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks));
  // The client went away (or the connection broke) before the whole body arrived: its fault,
  // not a server error to log, and no one is left to read the answer anyway.
  const onError = () => finish(new ServiceError("SerializationException", "The request body ended before it was complete."));
  payload.on("data", onData);
  payload.on("end", onEnd);
  payload.on("error", onError);
  payload.resume();
}
