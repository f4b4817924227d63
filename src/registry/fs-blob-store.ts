import { createReadStream, mkdirSync, rmSync } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { randomUUID, type Hash } from "node:crypto";
import type { Readable } from "node:stream";
import { digestFromHasher, isAlgorithm, newHasher, parseDigest, type Algorithm, type Digest } from "./digest.js";
import type { ByteRange } from "./byte-range.js";
import type { AppendOptions, BlobEntry, BlobInfo, BlobStore, PutOptions, UploadEntry } from "./blob-store.js";
import { writeHashed } from "./hashed-write.js";
import { FileRangeStream } from "./file-range-stream.js";
import { blobNotFound, digestMismatch, RegistryError, uploadNotFound } from "./errors.js";

/**
 * The filesystem driver. On-disk layout under <dataDir>/registry/ (also in docs/registry.md):
 *
 *   blobs/<algorithm>/<first 2 hex>/<hex>   verified content, named by its digest (sha256 or
 *                                           sha512); written once by rename, never in place
 *   uploads/<uuid>                          the bytes an upload session has received so far
 *   tmp/<uuid>                              a monolithic upload being streamed; emptied at start
 *
 * Everything that becomes a blob is first written elsewhere (tmp/ or uploads/), hashed while
 * it streams, fsynced, and only then renamed to its digest's path: rename is atomic within a
 * filesystem, so a reader sees the whole verified blob or nothing. Paths are built only from
 * parsed digests and UUIDs, never from client text.
 */
export const REGISTRY_DIR = "registry";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Big reads: blobs are served whole to clients on loopback, where syscalls dominate. */
const READ_CHUNK = 1024 * 1024;

const isEnoent = (e: unknown) => (e as { code?: string }).code === "ENOENT";

export class FsBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly uploadsDir: string;
  private readonly tmpDir: string;
  /**
   * The running sha256 of each upload this process has appended to, and how many bytes it
   * covers. Node cannot persist a hash's state, so after a restart (or a failed append) the
   * entry is missing or stale and the bytes on disk are hashed again.
   */
  private readonly hashes = new Map<string, { hash: Hash; offset: number }>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(readonly root: string) {
    this.blobsDir = join(root, "blobs");
    this.uploadsDir = join(root, "uploads");
    this.tmpDir = join(root, "tmp");
    // Whatever is in tmp/ belongs to a put that died with the previous process.
    rmSync(this.tmpDir, { recursive: true, force: true });
    for (const d of [this.blobsDir, this.uploadsDir, this.tmpDir]) mkdirSync(d, { recursive: true });
  }

  private blobPath(d: Digest): string {
    return join(this.blobsDir, d.algorithm, d.hex.slice(0, 2), d.hex);
  }

  private uploadPath(id: string): string {
    if (!UUID.test(id)) throw uploadNotFound(id);
    return join(this.uploadsDir, id);
  }

  async put(source: Readable, expected: Digest, { size }: PutOptions = {}): Promise<BlobInfo> {
    holdErrors(source);
    const tmp = join(this.tmpDir, randomUUID());
    try {
      const hash = newHasher(expected.algorithm);
      const bytes = await writeHashed(source, hash, tmp, "wx");
      if (size !== undefined && bytes !== size) throw sizeMismatch(size, bytes);
      const actual = digestFromHasher(expected.algorithm, hash);
      if (actual.value !== expected.value) throw digestMismatch(expected.value, actual.value);
      await this.install(tmp, expected);
      return { digest: expected.value, size: bytes };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async stat(d: Digest): Promise<BlobInfo | undefined> {
    try {
      const s = await stat(this.blobPath(d));
      return { digest: d.value, size: s.size };
    } catch (e) {
      if (isEnoent(e)) return undefined;
      throw e;
    }
  }

  async open(d: Digest, range?: ByteRange): Promise<Readable> {
    // Open first, then stream from the descriptor: a concurrent delete cannot cut the read short.
    let fh;
    try {
      fh = await open(this.blobPath(d), "r");
    } catch (e) {
      if (isEnoent(e)) throw blobNotFound(d.value);
      throw e;
    }
    return new FileRangeStream(fh, range?.start, range?.end);
  }

  async delete(d: Digest): Promise<boolean> {
    try {
      await rm(this.blobPath(d));
      return true;
    } catch (e) {
      if (isEnoent(e)) return false;
      throw e;
    }
  }

  async *list(): AsyncIterable<BlobEntry> {
    for (const algorithm of await readdirOrEmpty(this.blobsDir)) {
      if (!isAlgorithm(algorithm)) continue;
      for (const prefix of await readdirOrEmpty(join(this.blobsDir, algorithm))) {
        for (const hex of await readdirOrEmpty(join(this.blobsDir, algorithm, prefix))) {
          const d = parseDigest(`${algorithm}:${hex}`);
          if (!d) continue;
          try {
            const s = await stat(this.blobPath(d));
            yield { digest: d.value, size: s.size, modifiedAt: s.mtime };
          } catch (e) {
            if (!isEnoent(e)) throw e;
          }
        }
      }
    }
  }

  async startUpload(id: string): Promise<void> {
    await writeFile(this.uploadPath(id), new Uint8Array(0), { flag: "wx" });
  }

  async uploadSize(id: string): Promise<number | undefined> {
    try {
      return (await stat(this.uploadPath(id))).size;
    } catch (e) {
      if (isEnoent(e) || e instanceof RegistryError) return undefined;
      throw e;
    }
  }

  appendUpload(id: string, source: Readable, { start, length }: AppendOptions = {}): Promise<number> {
    holdErrors(source);
    return this.serial(id, async () => {
      const path = this.uploadPath(id);
      const size = await this.requireUploadSize(id);
      if (start !== undefined && start !== size) {
        throw new RegistryError("UploadOutOfOrder", `the chunk starts at ${start} but the upload has ${size} bytes`, { size, start });
      }
      // Resume: a hash that does not cover exactly what is on disk is rebuilt from the disk.
      let entry = this.hashes.get(id);
      if (!entry || entry.offset !== size) entry = { hash: await hashFile(path, "sha256"), offset: size };
      this.hashes.delete(id); // invalid while bytes are in flight; restored only on success
      const bytes = await writeHashed(source, entry.hash, path, "a");
      if (length !== undefined && bytes !== length) {
        // The chunk is not what the client said it is: take none of it.
        await truncate(path, size);
        throw sizeMismatch(length, bytes);
      }
      const newSize = size + bytes;
      this.hashes.set(id, { hash: entry.hash, offset: newSize });
      return newSize;
    });
  }

  commitUpload(id: string, expected: Digest): Promise<BlobInfo> {
    return this.serial(id, async () => {
      const path = this.uploadPath(id);
      const size = await this.requireUploadSize(id);
      const entry = this.hashes.get(id);
      const actual = entry && entry.offset === size && expected.algorithm === "sha256"
        ? digestFromHasher("sha256", entry.hash.copy())
        : digestFromHasher(expected.algorithm, await hashFile(path, expected.algorithm));
      if (actual.value !== expected.value) throw digestMismatch(expected.value, actual.value);
      await this.install(path, expected);
      this.hashes.delete(id);
      return { digest: expected.value, size };
    });
  }

  cancelUpload(id: string): Promise<void> {
    return this.serial(id, async () => {
      this.hashes.delete(id);
      await rm(this.uploadPath(id), { force: true });
    });
  }

  async *listUploads(): AsyncIterable<UploadEntry> {
    for (const id of await readdirOrEmpty(this.uploadsDir)) {
      if (!UUID.test(id)) continue;
      try {
        const s = await stat(join(this.uploadsDir, id));
        yield { id, size: s.size, modifiedAt: s.mtime };
      } catch (e) {
        if (!isEnoent(e)) throw e;
      }
    }
  }

  async wipe(): Promise<void> {
    this.hashes.clear();
    for (const d of [this.blobsDir, this.uploadsDir, this.tmpDir]) {
      await rm(d, { recursive: true, force: true });
      await mkdir(d, { recursive: true });
    }
  }

  private async requireUploadSize(id: string): Promise<number> {
    const size = await this.uploadSize(id);
    if (size === undefined) throw uploadNotFound(id);
    return size;
  }

  /** fsync the content, rename it to its digest's path, fsync the directory: durable and atomic. */
  private async install(from: string, d: Digest): Promise<void> {
    await fsync(from);
    const dest = this.blobPath(d);
    await mkdir(dirname(dest), { recursive: true });
    await rename(from, dest);
    // A committed upload keeps its last chunk's mtime; GC reads the time the blob appeared.
    const now = new Date();
    await utimes(dest, now, now);
    await fsync(dirname(dest));
  }

  /** Runs `fn` after every earlier operation on the same upload has settled. */
  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return next;
  }
}

export const sizeMismatch = (declared: number, actual: number) =>
  new RegistryError("SizeMismatch", `the content is ${actual} bytes, not the ${declared} declared`, { declared, actual });

/**
 * A source may fail (the client goes away) before the loop that reads it starts, while
 * earlier work is awaited; an 'error' with no listener would crash the process. The loop still
 * sees the failure: a Readable's iterator throws at once when the stream has already failed.
 */
function holdErrors(source: Readable): void {
  if (source.listenerCount("error") === 0) source.on("error", () => {});
}

async function hashFile(path: string, algorithm: Algorithm): Promise<Hash> {
  const hash = newHasher(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) hash.update(chunk as Buffer);
  return hash;
}

async function fsync(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if (isEnoent(e)) return [];
    throw e;
  }
}
