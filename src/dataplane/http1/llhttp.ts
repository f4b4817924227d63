/**
 * Node's own HTTP/1 parser: the llhttp binding node:http itself parses with, used directly so the
 * data plane reads requests and responses exactly as strictly as node:http (no lenient flags:
 * a request with both Content-Length and Transfer-Encoding, or any other ambiguous framing, is a
 * parse error, so requests cannot be smuggled past the load balancer). No HTTP parsing is
 * hand-written in Berth; only this typed view of the binding is.
 *
 * `node:_http_common` is a documented-legacy but stable module (node:http's own parser pool
 * lives there); its HTTPParser has no TypeScript types, hence the interface below.
 */
import { createRequire } from "node:module";
import type { Socket } from "node:net";

/** kOnHeadersComplete's arguments: heads of requests carry method and url, of responses status. */
export type OnHeadersComplete = (
  versionMajor: number, versionMinor: number, headers: string[] | undefined, method: number | undefined, url: string | undefined,
  statusCode: number | undefined, statusMessage: string | undefined, upgrade: boolean, shouldKeepAlive: boolean,
) => number | void;

export interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  /** Bytes parsed, or an Error with `code` (HPE_*) and `bytesParsed`. After an upgrade head, the bytes parsed stop at its end. */
  execute(data: Buffer): number | ParseError;
  /** End of input (a response delimited by the connection's close completes here). */
  finish(): number | ParseError | undefined;
  close(): void;
  /** Reads `handle`'s bytes in C++ (no 'data' events), reporting each read's result to kOnExecute. */
  consume(handle: object): void;
  unconsume(): void;
  /** The read being parsed (a copy), from inside a kOnExecute callback. */
  getCurrentBuffer(): Buffer;
  [key: number]: unknown;
}

export interface ParseError extends Error {
  readonly code: string;
  readonly bytesParsed: number;
}

interface ParserClass {
  new (): Parser;
  readonly REQUEST: number;
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kOnExecute: number;
  readonly kLenientNone: number;
}

// createRequire: an ESM `import` of an internal-looking specifier would need an ambient module declaration for tsc.
const common = createRequire(import.meta.url)("node:_http_common") as { HTTPParser: ParserClass; methods: string[] };

export const HTTPParser = common.HTTPParser;
/** Method names by llhttp's method number. */
export const methods: readonly string[] = common.methods;

/** Callbacks of one parser; `headers`/`url` of a head that spanned several reads arrive in `onHeaders` pieces first. */
export interface ParserCallbacks {
  /** The first byte of a message (its head is being read); only wanted by the client side's head deadline. */
  onMessageBegin?(): void;
  onHeadersComplete: OnHeadersComplete;
  onBody(chunk: Buffer): void;
  /** `trailers`: the trailer fields of a chunked body ([name, value, ...]), undefined when it had none. */
  onMessageComplete(trailers: string[] | undefined): void;
}

/** A strict parser of `type` (REQUEST or RESPONSE) calling `callbacks`; heads longer than one read are reassembled here. */
export function newParser(type: number, callbacks: ParserCallbacks): Parser {
  const parser = new HTTPParser();
  parser.initialize(type, {}, 0, HTTPParser.kLenientNone);
  let pendingHeaders: string[] = [];
  let pendingUrl = "";
  parser[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
    for (const h of headers) pendingHeaders.push(h);
    pendingUrl += url;
  };
  parser[HTTPParser.kOnHeadersComplete] = ((vMaj, vMin, headers, method, url, status, message, upgrade, keepAlive) => {
    if (headers === undefined) {
      headers = pendingHeaders;
      pendingHeaders = [];
    }
    if (url === undefined) {
      url = pendingUrl;
      pendingUrl = "";
    }
    return callbacks.onHeadersComplete(vMaj, vMin, headers, method, url, status, message, upgrade, keepAlive);
  }) satisfies OnHeadersComplete;
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => callbacks.onBody(chunk);
  // A chunked body's trailer fields reach kOnHeaders after the body, before the message completes.
  parser[HTTPParser.kOnMessageComplete] = () => {
    if (pendingHeaders.length === 0) return callbacks.onMessageComplete(undefined);
    const trailers = pendingHeaders;
    pendingHeaders = [];
    callbacks.onMessageComplete(trailers);
  };
  if (callbacks.onMessageBegin) parser[HTTPParser.kOnMessageBegin] = callbacks.onMessageBegin;
  return parser;
}

/**
 * Feeds `socket`'s reads to `parser` the way node:http's server does: the parser consumes the
 * socket's stream handle, so each read is parsed in C++ and JavaScript hears only the result
 * (`onExecute`), with no 'data' event or stream buffering per read. Sockets without a stream handle
 * fall back to 'data' events. The returned reader also pauses and resumes reading: with a consumed
 * handle, socket.pause() would not stop the reads (nothing is pushed to the stream), so it stops
 * the handle itself, as node:http does.
 */
export interface SocketReader {
  pause(): void;
  resume(): void;
  /** Gives the socket back to stream reads (a WebSocket tunnel takes it over). */
  release(): void;
}

interface StreamHandle {
  readonly isStreamBase?: boolean;
  _consumed?: boolean;
  reading: boolean;
  readStart(): number;
  readStop(): number;
}

export function readInto(socket: Socket, parser: Parser, onExecute: (result: number | ParseError, data: () => Buffer) => void): SocketReader {
  const handle = (socket as unknown as { _handle?: StreamHandle })._handle;
  if (!handle?.isStreamBase || handle._consumed) {
    socket.on("data", (data: Buffer) => onExecute(parser.execute(data), () => data));
    return { pause: () => socket.pause(), resume: () => socket.resume(), release: () => socket.removeAllListeners("data") };
  }
  handle._consumed = true;
  parser.consume(handle);
  // Reads no longer pass through the socket's stream, which is what restarts its inactivity timer
  // (socket.setTimeout): each read does it here, as node:http's server does, or a socket that only
  // receives (a long download from a target) would time out while data flows.
  const refreshTimer = () => (socket as unknown as { _unrefTimer(): void })._unrefTimer();
  const currentBuffer = () => parser.getCurrentBuffer();
  parser[HTTPParser.kOnExecute] = (result: number | ParseError) => {
    refreshTimer();
    onExecute(result, currentBuffer);
  };
  // Flowing mode starts the handle reading; no 'data' event comes while the parser consumes it.
  socket.resume();
  let released = false;
  return {
    pause() {
      if (released || !handle.reading) return;
      handle.reading = false;
      handle.readStop();
    },
    resume() {
      if (released || handle.reading || socket.destroyed) return;
      handle.reading = true;
      handle.readStart();
    },
    release() {
      if (released) return;
      released = true;
      parser.unconsume();
      handle._consumed = false;
      // From here the socket's own stream reads the handle (the caller pauses the socket to buffer them).
      if (!handle.reading && !socket.destroyed) {
        handle.reading = true;
        handle.readStart();
      }
    },
  };
}
