import type net from "node:net";
import { Framing, hopByHop } from "./heads.js";

/** Body pieces up to this size join the batch as text; larger ones are written as they are. */
const SMALL = 8 * 1024;

/**
 * What one parsed read produces for one socket (a head, body pieces with their chunk framing, the
 * end of a body), gathered into one latin1 string and written with a single write() once the read
 * is parsed. Why not socket.write() per piece under cork(): each write() costs a Writable queue
 * entry, the uncork a writev array and a write request, several hundred bytes per request that the
 * data plane's young generation then has to collect (bench/lb-tail.ts measures it); one string
 * and one write() cost one flat copy. A body piece is turned into text with latin1, which maps
 * each byte to one char and back unchanged; a piece over 8 KiB is written as its own Buffer
 * after what is batched, rather than copied.
 */
export class WriteBatch {
  private text = "";

  constructor(readonly socket: net.Socket) {}

  /** Head text (latin1: one char per byte, as llhttp decoded it). */
  add(text: string): void {
    this.text += text;
  }

  /**
   * One piece of a body, as `framing` delimits it: a chunk of a chunked body gets its size line and
   * CRLF. Returns false when a write made now (a large piece) asks the source to pause until 'drain'.
   */
  body(framing: Framing, chunk: Buffer): boolean {
    const chunked = framing === Framing.Chunked;
    if (chunked && chunk.length === 0) return true; // an empty chunk would end the body
    if (chunk.length <= SMALL) {
      this.text += chunked ? `${chunk.length.toString(16)}\r\n${chunk.toString("latin1")}\r\n` : chunk.toString("latin1");
      return true;
    }
    if (chunked) this.text += `${chunk.length.toString(16)}\r\n`;
    this.flush();
    const ok = this.socket.write(chunk);
    if (chunked) this.text += "\r\n";
    return ok;
  }

  /**
   * Ends a body: the last chunk of a chunked one, with the trailer fields the sender put after its
   * own last chunk (`trailers`, [name, value, ...]), minus hop-by-hop and framing fields. A body
   * framed otherwise on this side has nowhere to carry trailers: they are dropped (RFC 9112 7.1.2
   * lets a recipient that removes the chunked coding discard them).
   */
  end(framing: Framing, trailers?: readonly string[]): void {
    if (framing !== Framing.Chunked) return;
    if (trailers === undefined) {
      this.text += "0\r\n\r\n";
      return;
    }
    let text = "0\r\n";
    for (let i = 0; i < trailers.length; i += 2) {
      const lower = trailers[i]!.toLowerCase();
      if (hopByHop.has(lower) || lower === "content-length") continue;
      text += `${trailers[i]}: ${trailers[i + 1]}\r\n`;
    }
    this.text += `${text}\r\n`;
  }

  /** Writes what is batched (nothing on a destroyed socket); false: the socket asks to pause until 'drain'. */
  flush(): boolean {
    const text = this.text;
    if (text === "") return true;
    this.text = "";
    if (this.socket.destroyed) return true;
    return this.socket.write(text, "latin1");
  }
}
