import type net from "node:net";
import { Framing, hopByHop } from "./heads.js";

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

/**
 * Ends a body: the last chunk of a chunked one, with the trailer fields the sender put after its
 * own last chunk (`trailers`, [name, value, ...]), minus hop-by-hop and framing fields. A body
 * framed otherwise on this side has nowhere to carry trailers: they are dropped (RFC 9112 7.1.2
 * lets a recipient that removes the chunked coding discard them).
 */
export function endBody(socket: net.Socket, framing: Framing, trailers?: readonly string[]): void {
  if (framing !== Framing.Chunked) return;
  if (trailers === undefined) {
    socket.write("0\r\n\r\n", "latin1");
    return;
  }
  let text = "0\r\n";
  for (let i = 0; i < trailers.length; i += 2) {
    const lower = trailers[i]!.toLowerCase();
    if (hopByHop.has(lower) || lower === "content-length") continue;
    text += `${trailers[i]}: ${trailers[i + 1]}\r\n`;
  }
  socket.write(`${text}\r\n`, "latin1");
}
