import type net from "node:net";
import { newTraceId, reasonPhrase, type LbAnswer } from "../alb-responses.js";
import type { ListenerConfig } from "../snapshot.js";
import type { RequestHead } from "./request-head.js";
import { lowerName } from "./header-names.js";
import type { ResponseDecoration } from "./response-headers.js";

/**
 * Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are never forwarded. Trailer
 * (which fields a chunked body's trailer section will carry) is not among them: trailers pass
 * through (write-batch.ts), so their announcement does too.
 */
export const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade", "proxy-authorization"]);

/** How a message's body is delimited on one connection. */
export const enum Framing {
  None,
  Length,
  Chunked,
  /** Until the connection closes (a response with neither Content-Length nor chunked, to an HTTP/1.0 client). */
  Close,
}

/**
 * The request head the target gets: the request line with the (possibly rewritten) target, the
 * client's headers as written minus hop-by-hop ones, Host as the rule's transforms left it, then
 * ALB's X-Forwarded-For (appended to the client's), X-Forwarded-Proto and -Port (ALB's own,
 * replacing the client's) and X-Amzn-Trace-Id (the client's, else a new one). A chunked body is
 * re-framed as chunked; a Content-Length passes as it is. `upgrade`: the Upgrade header's value,
 * for the one request whose hop-by-hop headers are its point.
 */
export function forwardedRequestHead(head: RequestHead, url: string, host: string | undefined, listener: ListenerConfig, chunked: boolean, upgrade?: string): string {
  let text = `${head.method} ${url} HTTP/1.1\r\n`;
  let forwardedFor: string | undefined;
  let traced = false;
  let hostWritten = false;
  const raw = head.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = lowerName(name);
    if (hopByHop.has(lower)) continue;
    switch (lower) {
      case "host":
        if (hostWritten || host === undefined) continue;
        hostWritten = true;
        text += `${name}: ${host}\r\n`;
        continue;
      case "x-forwarded-for":
        forwardedFor = forwardedFor === undefined ? raw[i + 1] : `${forwardedFor}, ${raw[i + 1]}`;
        continue;
      case "x-forwarded-proto":
      case "x-forwarded-port":
        continue;
      case "x-amzn-trace-id":
        traced = true;
    }
    text += `${name}: ${raw[i + 1]}\r\n`;
  }
  if (!hostWritten && host !== undefined) text += `host: ${host}\r\n`;
  const client = head.clientAddress;
  text += `x-forwarded-for: ${forwardedFor ? `${forwardedFor}, ${client}` : client}\r\n${protoAndPort(listener)}`;
  if (!traced) text += `x-amzn-trace-id: ${newTraceId()}\r\n`;
  if (chunked) text += "transfer-encoding: chunked\r\n";
  if (upgrade !== undefined) text += `connection: Upgrade\r\nupgrade: ${upgrade}\r\n`;
  return `${text}\r\n`;
}

/** X-Forwarded-Proto and -Port lines, the same for every request on a listener: made once per listener. */
const protoAndPortLines = new WeakMap<ListenerConfig, string>();
function protoAndPort(listener: ListenerConfig): string {
  let lines = protoAndPortLines.get(listener);
  if (lines === undefined) {
    lines = `x-forwarded-proto: ${listener.Protocol === "HTTPS" ? "https" : "http"}\r\nx-forwarded-port: ${listener.Port}\r\n`;
    protoAndPortLines.set(listener, lines);
  }
  return lines;
}

/** A response head for the client, and how its body is framed there. */
export interface ResponseHead {
  readonly text: string;
  readonly framing: Framing;
}

/**
 * The target's response head as the client gets it: hop-by-hop headers dropped, the load
 * balancer's Set-Cookie values (`cookies`) added. A Content-Length body passes as it is; any other
 * body is re-framed chunked (HTTP/1.1 clients) or delimited by closing (HTTP/1.0 clients).
 * `bodyless`: HEAD answers and 1xx/204/304, which have no body whatever their headers say.
 * `close`: the client connection ends after this response, so the head says so. `decoration`: the
 * listener's response headers, which replace the target's of the same names.
 */
export function forwardedResponseHead(
  status: number, message: string, raw: readonly string[], cookies: readonly string[], bodyless: boolean, versionMinor: number, close: boolean, decoration?: ResponseDecoration,
): ResponseHead {
  let text = `HTTP/1.1 ${status} ${message}\r\n`;
  let length = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = lowerName(name);
    if (hopByHop.has(lower)) continue;
    if (decoration?.replaced.has(lower)) continue;
    if (lower === "content-length") length = true;
    text += `${name}: ${raw[i + 1]}\r\n`;
  }
  if (decoration) text += decoration.lines;
  for (const cookie of cookies) text += `Set-Cookie: ${cookie}\r\n`;
  let framing: Framing;
  if (bodyless) framing = Framing.None;
  else if (length) framing = Framing.Length;
  else if (versionMinor >= 1) {
    framing = Framing.Chunked;
    text += "transfer-encoding: chunked\r\n";
  } else {
    framing = Framing.Close;
    close = true;
  }
  if (close) text += "connection: close\r\n";
  else if (versionMinor === 0) text += "connection: keep-alive\r\n";
  return { text: `${text}\r\n`, framing };
}

/** The target's raw Set-Cookie values (app_cookie stickiness looks for the application's cookie among them). */
export function setCookies(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === "set-cookie") out.push(raw[i + 1]!);
  return out;
}

/**
 * Writes one of the load balancer's own answers whole; `close` adds Connection: close (the
 * connection ends after it). The head's strings carry the request's bytes one per char (latin1,
 * as llhttp decoded them); the body is the user's text (UTF-8, as its Content-Length counted it).
 * `decoration`: the listener's response headers and Server switch (undefined: none, or no listener).
 */
export function writeAnswer(socket: net.Socket, answer: LbAnswer, close: boolean, bodyless = false, decoration?: ResponseDecoration): void {
  let text = `HTTP/1.1 ${answer.status} ${reasonPhrase(answer.status)}\r\n`;
  for (const [name, value] of Object.entries(answer.headers)) {
    if (name === "connection") continue;
    if (decoration && ((name === "server" && !decoration.server) || decoration.replaced.has(name))) continue;
    text += `${name}: ${value}\r\n`;
  }
  if (decoration) text += decoration.lines;
  if (close) text += "connection: close\r\n";
  socket.cork();
  socket.write(`${text}\r\n`, "latin1");
  if (!bodyless && answer.body !== "") socket.write(answer.body, "utf8");
  socket.uncork();
}
