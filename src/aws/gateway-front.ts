import { Readable } from "node:stream";
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerOptions, type ServerResponse } from "node:http";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { lazyChild } from "../core/lazy-logger.js";
import { jsonErrorResponse } from "./json-gateway.js";
import { readRawBody } from "./raw-body.js";
import type { WireRequest, WireResponse } from "./protocols/codec.js";

/** The HTTP server's 'request' listener in front of Fastify: true when it answers the request itself. */
export type AwsFront = (req: IncomingMessage, res: ServerResponse) => boolean;

/** How `/` answers a request (by its method, URL and headers), or undefined when it has no protocol. */
export type RootResponder = (wire: WireRequest) => ((wire: WireRequest, log: FastifyBaseLogger) => Promise<WireResponse>) | undefined;

/**
 * The Content-Types the AWS SDKs, the AWS CLI and boto3 send to `/`. Requests with any other (or
 * none) go through Fastify, whose checks (an unparsable media type) and answers stay the same.
 */
const ORDINARY_TYPES = new Set([
  "application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json",
  "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
]);

const EMPTY = Buffer.alloc(0);

const charsets = new Map<string, string>();
/** The Content-Type as Fastify's reply writes it: a JSON media type naming no charset gets `; charset=utf-8`. */
function withCharset(type: string): string {
  let written = charsets.get(type);
  if (written === undefined) {
    const [mediaType, ...parameters] = type.split(";");
    const named = parameters.some((p) => p.trim().toLowerCase().startsWith("charset="));
    written = mediaType!.includes("json") && !named ? `${type}; charset=utf-8` : type;
    if (charsets.size < 64) charsets.set(type, written);
  }
  return written;
}

/**
 * Answers the AWS API's ordinary requests at `/` (AWS JSON and awsQuery: nearly every call
 * Berth gets) without Fastify's per-request pipeline (routing, hooks, content-type parsing,
 * Request/Reply objects, the reply's hooks), which cost about a fifth of a cheap read's CPU
 * (docs/benchmarks.md). It does what that pipeline does for these requests, nothing less: the
 * Host check (a request without Host goes to Fastify, whose requireHost hook answers it), the
 * body read with the same limits (readRawBody) and Connection: close when it fails, the same
 * error envelope for what goes wrong before the gateway (sendJsonError's), a lazy per-request
 * logger, the same headers (lowercase names, Content-Length, the charset Fastify adds to JSON).
 * Everything else — other paths and methods, other protocols' routes, requests while the server
 * closes (Fastify answers 503) — goes to Fastify. gateway.test.ts holds the two paths to the
 * same answers.
 */
export function createAwsFront(app: FastifyInstance, responder: RootResponder): AwsFront {
  let closing = false;
  // Event streams last as long as the caller reads (a live tail, hours): closing ends them, or
  // the server's close would wait for them.
  const streams = new Set<() => void>();
  app.addHook("preClose", (done) => {
    closing = true;
    for (const end of streams) end();
    done();
  });
  let served = 0;
  return (req, res) => {
    const url = req.url ?? "";
    if (closing || (url !== "/" && !url.startsWith("/?"))) return false;
    const method = req.method;
    const headers = req.headers;
    if (headers.host === undefined) return false;
    // Fastify reads no body for GET (a query GET has its parameters in the URL); a POST's is read
    // only for the ordinary Content-Types.
    if (method === "POST") {
      const type = headers["content-type"];
      if (type === undefined || !ORDINARY_TYPES.has(type)) return false;
    } else if (method !== "GET") return false;
    const remoteAddress = peerAddress(req.socket.remoteAddress);
    const wire: WireRequest = { method, url, headers, body: EMPTY, remoteAddress };
    const respond = responder(wire);
    if (!respond) return false;

    const log = lazyChild(app.log, { reqId: `api-${(++served).toString(36)}` });
    const write = (out: WireResponse) => {
      if (res.destroyed) return;
      const h: OutgoingHttpHeaders = {};
      for (const name in out.headers) h[name.toLowerCase()] = out.headers[name];
      const type = h["content-type"];
      if (typeof type === "string") h["content-type"] = withCharset(type);
      const body = out.body;
      if (body instanceof Readable) {
        // An event stream: chunked, for as long as it lasts; the caller leaving ends it.
        res.writeHead(out.status, h);
        const end = () => (body.unpipe(res), body.destroy(), res.end());
        streams.add(end);
        res.once("close", () => (streams.delete(end), body.destroy()));
        body.on("error", (err) => (log.error({ err }, "event stream failed"), res.destroy()));
        body.pipe(res);
        return;
      }
      h["content-length"] = typeof body === "string" ? Buffer.byteLength(body) : body.length;
      res.writeHead(out.status, h);
      res.end(body);
    };
    // Whatever goes wrong is answered in the envelope; a failure to write is logged, never thrown.
    const finish = (answer: Promise<WireResponse>) =>
      answer.catch((err: unknown) => jsonErrorResponse(err, headers, log)).then(write).catch((err: unknown) => {
        log.error({ err }, "could not write the answer");
        res.destroy();
      });
    if (method === "GET") finish(respond(wire, log));
    else {
      readRawBody(req, req, (err, body) => {
        if (!err) return finish(respond({ method, url, headers, body: body ?? EMPTY, remoteAddress }, log));
        // As Fastify does when a body cannot be read: the client may still be sending it.
        const out = jsonErrorResponse(err, headers, log);
        return finish(Promise.resolve({ ...out, headers: { connection: "close", ...out.headers } }));
      });
    }
    return true;
  };
}

/** A socket's peer address as IAM's aws:SourceIp compares it: an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as IPv4. */
export const peerAddress = (address: string | undefined) => (address?.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address);

/**
 * A Fastify serverFactory: the HTTP server Fastify would make (its options, its timeouts), with
 * the front, once there is one, before Fastify's own listener.
 */
export function serverWithFront(front: () => AwsFront | undefined) {
  return (fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void, fastifyOptions: unknown): Server => {
    // Fastify passes its resolved options (its types do not say so).
    const options = fastifyOptions as { http?: ServerOptions; keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number; maxRequestsPerSocket: number };
    const server = createServer(options.http ?? {}, (req, res) => {
      if (!front()?.(req, res)) fastifyHandler(req, res);
    });
    server.keepAliveTimeout = options.keepAliveTimeout;
    server.requestTimeout = options.requestTimeout;
    server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
}
