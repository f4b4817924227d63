import { randomFillSync } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

/** An answer the load balancer gives itself (its error pages, fixed responses, redirects). */
export interface LbAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: string;
}

const reasons: Record<number, string> = { 400: "Bad Request", 408: "Request Time-out", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out" };

/** The reason phrase ALB writes for its own status codes (nginx's, for 408, 503 and 504). */
export function reasonPhrase(status: number): string {
  return reasons[status] ?? STATUS_CODES[status] ?? "";
}

/** ALB's own error answer: its HTML page and `Server: awselb/2.0`, the connection closed after. */
export function albError(status: 400 | 408 | 500 | 502 | 503 | 504): LbAnswer {
  const title = `${status} ${reasons[status]}`;
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
  return { status, headers: { server: "awselb/2.0", "content-type": "text/html", "content-length": Buffer.byteLength(body), connection: "close" }, body };
}

/**
 * An answer on a socket the connection ends with (an Upgrade request's, or after a bad request).
 */
export function sendAnswerOnSocket(socket: Duplex, answer: LbAnswer): void {
  const head = [`HTTP/1.1 ${answer.status} ${reasonPhrase(answer.status)}`];
  for (const [name, value] of Object.entries({ ...answer.headers, connection: "close" })) head.push(`${name}: ${value}`);
  socket.end(`${head.join("\r\n")}\r\n\r\n${answer.body}`);
}

// Trace ids take 12 random bytes each; drawing them from a pool refilled 4 KiB at a time keeps a
// crypto call (and a Buffer) off every request.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

// "Root=1-<epoch seconds>-" changes once a second: made then, not per request.
let prefixSecond = -1;
let prefix = "";

/** A new X-Amzn-Trace-Id: Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>. */
export function newTraceId(nowMs = Date.now()): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== prefixSecond) {
    prefixSecond = second;
    prefix = `Root=1-${second.toString(16).padStart(8, "0")}-`;
  }
  if (poolOffset + 12 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const random = pool.toString("hex", poolOffset, poolOffset + 12);
  poolOffset += 12;
  return prefix + random;
}
