import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { newRequestId } from "../core/ids.js";

/**
 * Answers requests that are not valid HTTP/1.1 (garbage, conflicting Content-Length, bad
 * chunking, oversized headers, timeouts) with the same AWS JSON error envelope as everything
 * else, then closes the connection, as Node does. Used as Fastify's clientErrorHandler: these
 * never reach routing, so sendJsonError cannot answer them.
 */
export function sendClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const [status, message] =
    err.code === "HPE_HEADER_OVERFLOW" ? [431, "The request headers are too large."]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? [408, "The request was not received in time."]
        : [400, "The request is not valid HTTP/1.1."];
  const type = "SerializationException";
  const body = JSON.stringify({ __type: type, message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: application/x-amz-json-1.1\r\nx-amzn-errortype: ${type}\r\nx-amzn-RequestId: ${newRequestId()}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
