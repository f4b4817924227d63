import { Transform, type TransformCallback } from "node:stream";
import type { Hash } from "node:crypto";

/**
 * A pass-through stage that feeds every chunk to a hash and counts bytes, so content is
 * verified while it streams to disk instead of being read a second time.
 */
export class DigestingStream extends Transform {
  bytes = 0;

  constructor(private readonly hash: Hash) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}
