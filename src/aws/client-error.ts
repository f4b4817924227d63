import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ServiceError } from "../core/errors.js";
import { newRequestId } from "../core/ids.js";
import { DRAIN_LIMIT_BYTES } from "./raw-body.js";

/**
 * The edge of HTTP itself: requests Node's HTTP server would answer on its own (not valid
 * HTTP/1.1, no Host, an unknown Expect) get the same AWS JSON error envelope as everything
 * else. These never reach routing, or must be refused before it, so sendJsonError cannot
 * answer them.
 */
const TYPE = "SerializationException";

/** How long a refused connection keeps reading (and discarding) what the client still sends. */
const LINGER_MS = 2000;

function envelope(message: string) {
  const body = JSON.stringify({ __type: TYPE, message });
  const headers = { "Content-Type": "application/x-amz-json-1.1", "x-amzn-errortype": TYPE, "x-amzn-RequestId": newRequestId(), "Content-Length": String(Buffer.byteLength(body)) };
  return { body, headers };
}

/**
 * Fastify's clientErrorHandler: garbage, conflicting Content-Length, bad chunking, oversized
 * headers, timeouts. Answers, then closes the connection as Node does.
 */
export function sendClientError(err: Error & { code?: string }, socket: Socket): void {
  // Node's parser keeps failing on whatever the client still sends after the first error;
  // the connection has been answered once (and is no longer writable) by then.
  if (err.code === "ECONNRESET" || socket.destroyed || !socket.writable) return;
  const [status, message] =
    err.code === "HPE_HEADER_OVERFLOW" ? [431, "The request headers are too large."]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? [408, "The request was not received in time."]
        : [400, "The request is not valid HTTP/1.1."];
  const { body, headers } = envelope(message);
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}Connection: close\r\n\r\n${body}`);
  if (status === 408) socket.destroy();
  else lingerClose(socket);
}

/**
 * Closing a socket that still has unread bytes makes the kernel send a reset, and a client
 * still sending (a 64 KB header, a body) then sees ECONNRESET instead of the answer. So the
 * answer is sent with a FIN and what follows is read and thrown away, as HTTP servers do
 * (nginx's lingering close), until the client closes, for at most LINGER_MS and DRAIN_LIMIT_BYTES.
 */
function lingerClose(socket: Socket): void {
  let discarded = 0;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  socket.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DRAIN_LIMIT_BYTES) socket.destroy();
  });
  socket.resume();
}

/**
 * The HTTP server's 'checkExpectation' listener: an Expect other than 100-continue. Node would
 * answer a bare 417; this is the same status with the envelope. The connection stays usable:
 * Node reads and discards the body that was not consumed.
 */
export function refuseExpectation(req: IncomingMessage, res: ServerResponse): void {
  const expect = String(req.headers.expect ?? "").slice(0, 64);
  const { body, headers } = envelope(`Expect: ${expect} is not supported; the only expectation is 100-continue.`);
  res.writeHead(417, headers);
  res.end(body);
}

/**
 * An onRequest hook. HTTP/1.1 requires a Host header (RFC 9112 3.2); Node enforces it with a
 * bare 400 unless told not to (requireHostHeader: false), so Berth checks it itself to answer
 * with the envelope. HTTP/1.0 requests may omit it.
 */
export function requireHost(req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
  // A callback hook, not an async one: every request runs it, and an async hook defers the rest
  // of the request to a promise's resolution.
  if (req.raw.httpVersionMajor === 1 && req.raw.httpVersionMinor >= 1 && req.headers.host === undefined) {
    done(new ServiceError(TYPE, "The request has no Host header, which HTTP/1.1 requires.", true, {}, 400));
    return;
  }
  done();
}
