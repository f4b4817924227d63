import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";

const reasons: Record<number, string> = { 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out" };

/** ALB's own error answer: its HTML page and `Server: awselb/2.0`, the connection closed after. */
export function sendAlbError(res: ServerResponse, status: 500 | 502 | 503 | 504): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const title = `${status} ${reasons[status]}`;
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, { server: "awselb/2.0", "content-type": "text/html", "content-length": Buffer.byteLength(body), connection: "close" });
  res.end(body);
}

/** A new X-Amzn-Trace-Id: Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>. */
export function newTraceId(nowMs = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000).toString(16).padStart(8, "0");
  return `Root=1-${seconds}-${randomBytes(12).toString("hex")}`;
}
