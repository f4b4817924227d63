import type { Readable } from "node:stream";
import type { Digest } from "./digest.js";
import type { ByteRange } from "./byte-range.js";

/**
 * Content-addressed blob storage: the bytes of layers and configs, shared by every repository,
 * account and region (which repository may see which blob is metadata, kept in SQLite by
 * RegistryStore). Drivers sit behind this interface (fs-blob-store.ts today; an S3-compatible
 * one can come later) and every driver must pass blob-store-suite.ts.
 *
 * Invariants every driver keeps:
 * - A blob is visible under a digest only once its complete content has been verified to hash
 *   to that digest; a failed or interrupted write leaves nothing visible.
 * - Writing a blob that already exists is harmless (the content is the same by definition).
 * - Upload sessions are durable: their bytes survive a restart of the process, and appending
 *   or committing after a restart works (the driver re-hashes what it holds when it must).
 * - Operations on one upload are serialised by the driver; different uploads run in parallel.
 */
export interface BlobInfo {
  digest: string;
  size: number;
}

export interface PutOptions {
  /** The length the client declared; content of another length fails with SizeMismatch. */
  size?: number;
}

export interface AppendOptions {
  /** Where the client says the chunk starts; UploadOutOfOrder unless it is the upload's size. */
  start?: number;
  /** The chunk's declared length; SizeMismatch when the stream ends at another length. */
  length?: number;
}

/** A blob as list() reports it; `modifiedAt` (when the driver knows it) guards young blobs in GC. */
export interface BlobEntry extends BlobInfo {
  modifiedAt?: Date;
}

export interface UploadEntry {
  id: string;
  size: number;
  modifiedAt: Date;
}

export interface BlobStore {
  /**
   * Streams `source` into the store, hashing as it goes; visible under `expected` only when
   * the hash matches. DigestMismatch (nothing stored) otherwise.
   */
  put(source: Readable, expected: Digest, options?: PutOptions): Promise<BlobInfo>;
  stat(digest: Digest): Promise<BlobInfo | undefined>;
  /** A stream of the blob's bytes (the inclusive range when given); BlobNotFound if absent. */
  open(digest: Digest, range?: ByteRange): Promise<Readable>;
  /** Removes a blob; false when it was not there. Callers decide it is unreferenced (GC). */
  delete(digest: Digest): Promise<boolean>;
  /** Every blob, in no particular order (for garbage collection). */
  list(): AsyncIterable<BlobEntry>;

  /** Creates an empty upload session named `id` (a UUID chosen by the caller). */
  startUpload(id: string): Promise<void>;
  /** Bytes received so far, or undefined when there is no such upload. */
  uploadSize(id: string): Promise<number | undefined>;
  /** Appends a chunk; returns the upload's new size. */
  appendUpload(id: string, source: Readable, options?: AppendOptions): Promise<number>;
  /**
   * Verifies the whole upload against `expected` and makes it the blob of that digest; the
   * session is gone afterwards. DigestMismatch leaves the session in place (the caller may
   * cancel it) and no blob visible.
   */
  commitUpload(id: string, expected: Digest): Promise<BlobInfo>;
  /** Discards an upload session; harmless when it does not exist. */
  cancelUpload(id: string): Promise<void>;
  /** Every upload session (for expiring abandoned ones). */
  listUploads(): AsyncIterable<UploadEntry>;

  /** Removes every blob and upload (POST /_berth/reset). */
  wipe(): Promise<void>;
}
