import { Readable, Transform, type TransformCallback } from "node:stream";
import * as zlib from "node:zlib";
import { ScanLimitError } from "./limits.js";

/**
 * The streams that turn a layer blob into its tar bytes: the blob (its first bytes already read
 * to sniff the format) and a decompressor when it needs one. The compression is told by magic
 * bytes rather than by the media type, which clients set loosely: gzip (1f 8b), zstd
 * (28 b5 2f fd, where this Node has a zstd decoder), else a plain tar.
 */
export async function tarStages(blob: Readable): Promise<Array<Readable | Transform>> {
  const iterator = blob[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let head = Buffer.alloc(0);
  while (head.length < 4) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value);
    head = Buffer.concat(chunks);
  }
  async function* rest() {
    if (head.length) yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const source = Readable.from(rest(), { objectMode: false });
  source.once("close", () => blob.destroy());
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return [source, zlib.createGunzip()];
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) {
    const zstd = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
    if (!zstd) {
      source.destroy();
      throw new ScanLimitError("a layer is zstd-compressed, which this Node.js cannot decompress");
    }
    return [source, zstd()];
  }
  return [source];
}

/** Passes bytes through, counting them with `count` (which throws past a limit). */
export function counting(count: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      try {
        count(chunk.length);
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
