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
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kLenientNone: number;
}

// createRequire: an ESM `import` of an internal-looking specifier would need an ambient module declaration for tsc.
const common = createRequire(import.meta.url)("node:_http_common") as { HTTPParser: ParserClass; methods: string[] };

export const HTTPParser = common.HTTPParser;
/** Method names by llhttp's method number. */
export const methods: readonly string[] = common.methods;

/** Callbacks of one parser; `headers`/`url` of a head that spanned several reads arrive in `onHeaders` pieces first. */
export interface ParserCallbacks {
  onHeadersComplete: OnHeadersComplete;
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
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
  parser[HTTPParser.kOnMessageComplete] = () => callbacks.onMessageComplete();
  return parser;
}
