import type net from "node:net";
import { Framing } from "./heads.js";

/**
 * Writes one piece of a body as `framing` delimits it on `socket`: a chunk of a chunked body gets
 * its size line and CRLF (corked, so the three parts leave in one write). Returns write()'s
 * answer: false asks the source to pause until 'drain'.
 */
export function writeBody(socket: net.Socket, framing: Framing, chunk: Buffer): boolean {
  if (framing !== Framing.Chunked) return socket.write(chunk);
  if (chunk.length === 0) return true; // an empty chunk would end the body
  socket.cork();
  socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
  socket.write(chunk);
  const ok = socket.write("\r\n", "latin1");
  socket.uncork();
  return ok;
}

/** Ends a body: the last chunk of a chunked one (no trailers are forwarded). */
export function endBody(socket: net.Socket, framing: Framing): void {
  if (framing === Framing.Chunked) socket.write("0\r\n\r\n", "latin1");
}
