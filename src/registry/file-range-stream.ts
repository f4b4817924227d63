import { Readable, type Writable } from "node:stream";
import type { FileHandle } from "node:fs/promises";

/** Big reads: blobs are served whole to clients on loopback, where syscalls dominate. */
export const READ_CHUNK = 1024 * 1024;

/**
 * The bytes of an open file, from `start` to `end` inclusive (to the end of the file when `end`
 * is undefined), as a Readable for any consumer, plus writeTo() for the one that matters: an
 * HTTP response. A Readable must hand out a new Buffer per chunk, because it never learns when
 * its consumer is done with one; serving a 200 MB image that way allocates 200 MB of buffers per
 * pull and the garbage collector ends up as the registry's biggest cost. writeTo() reads into
 * two buffers it reuses, each refilled only once the socket has taken its previous contents.
 * The file handle is closed when the stream ends, fails or is destroyed, or writeTo() settles.
 */
export class FileRangeStream extends Readable {
  private pos: number;
  private taken = false;

  constructor(
    private readonly fh: FileHandle,
    start = 0,
    private readonly end?: number,
  ) {
    super({ highWaterMark: READ_CHUNK });
    this.pos = start;
  }

  private want(size: number): number {
    return this.end === undefined ? size : Math.min(size, this.end - this.pos + 1);
  }

  override _read(size: number): void {
    const n = this.want(Math.max(size, READ_CHUNK));
    if (n <= 0) return void this.push(null);
    this.fh.read(Buffer.allocUnsafeSlow(n), 0, n, this.pos).then(
      ({ bytesRead, buffer }) => {
        this.pos += bytesRead;
        this.push(bytesRead > 0 ? buffer.subarray(0, bytesRead) : null);
      },
      (err: Error) => this.destroy(err),
    );
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.fh.close().then(() => callback(err), () => callback(err));
  }

  /**
   * Writes the range to `out` (without ending it), double-buffered: the next read runs while
   * the previous chunk is being written. `out` must be done with a chunk when it calls back, as
   * sockets and HTTP responses are (a PassThrough is not: it keeps the chunk). Rejects if the
   * file or `out` fails; the caller then destroys `out`. Only for a stream nobody has read from.
   */
  async writeTo(out: Writable): Promise<void> {
    if (this.taken || this.readableDidRead) throw new Error("FileRangeStream.writeTo on a stream already read");
    this.taken = true;
    const buffers = [Buffer.allocUnsafeSlow(READ_CHUNK), Buffer.allocUnsafeSlow(READ_CHUNK)];
    let pending: Promise<void> | undefined;
    // A connection that dies mid-write may never call back: its close ends the wait instead
    // (and one already gone, whose close was missed, ends it at once).
    if (out.destroyed) {
      this.destroy();
      throw new Error("the connection closed before the blob was sent");
    }
    let onClose = () => {};
    const closed = new Promise<never>((_, reject) => {
      onClose = () => reject(new Error("the connection closed before the blob was sent"));
      out.once("close", onClose);
    });
    closed.catch(() => undefined);
    try {
      for (let i = 0; ; i ^= 1) {
        const n = this.want(READ_CHUNK);
        const { bytesRead } = n > 0 ? await this.fh.read(buffers[i]!, 0, n, this.pos) : { bytesRead: 0 };
        // The other buffer is refilled next: its write must be done first.
        await pending;
        if (bytesRead === 0) return;
        this.pos += bytesRead;
        pending = Promise.race([write(out, buffers[i]!.subarray(0, bytesRead)), closed]);
        // It may reject (the connection closed) while the next read runs, before the await above
        // sees it: unhandled for that moment, the rejection would crash the process.
        pending.catch(() => undefined);
      }
    } finally {
      await pending?.catch(() => undefined);
      out.off("close", onClose);
      this.destroy();
    }
  }
}

/** Resolves once `out` has handed `chunk` on (its write callback), so the buffer can be reused. */
function write(out: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}
