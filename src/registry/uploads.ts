import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { Db } from "../store/database.js";
import type { AppendOptions, BlobInfo, BlobStore } from "./blob-store.js";
import type { Digest } from "./digest.js";
import { isRegistryError, uploadNotFound } from "./errors.js";
import { linkBlob } from "./blob-links.js";
import type { RepositoryRecord } from "./repositories.js";

/** An upload session as clients see it: which repository, how many bytes so far. */
export interface UploadInfo {
  id: string;
  repository: string;
  size: number;
  startedAt: Date;
}

/**
 * Upload sessions: the bytes are the blob store's (a durable upload there), the session's
 * row in SQLite says which repository it belongs to, so a session survives a restart and an
 * upload id is only good in the repository it was started in.
 */
export class Uploads {
  constructor(private readonly db: Db, private readonly blobs: BlobStore) {}

  async start(repo: RepositoryRecord, now: Date): Promise<UploadInfo> {
    const id = randomUUID();
    // File first: a crash in between leaves an orphaned file for GC, never a row without bytes.
    await this.blobs.startUpload(id);
    this.db.prepare("INSERT INTO registry_uploads (id, repo_id, started_at) VALUES (?, ?, ?)").run(id, repo.id, now.getTime());
    return { id, repository: repo.name, size: 0, startedAt: now };
  }

  async status(repo: RepositoryRecord, id: string): Promise<UploadInfo> {
    const startedAt = this.row(repo, id);
    const size = await this.blobs.uploadSize(id);
    if (size === undefined) throw uploadNotFound(id);
    return { id, repository: repo.name, size, startedAt };
  }

  async append(repo: RepositoryRecord, id: string, source: Readable, options?: AppendOptions): Promise<UploadInfo> {
    const startedAt = this.row(repo, id);
    const size = await this.blobs.appendUpload(id, source, options);
    return { id, repository: repo.name, size, startedAt };
  }

  /**
   * Appends the final chunk (if any), verifies the whole upload against `digest` and links the
   * blob to the repository. On a digest mismatch the session is discarded, so nothing of it
   * remains stored.
   */
  async complete(repo: RepositoryRecord, id: string, digest: Digest, finalChunk: Readable | undefined, options: AppendOptions | undefined, now: Date): Promise<BlobInfo> {
    this.row(repo, id);
    if (finalChunk) await this.blobs.appendUpload(id, finalChunk, options);
    let info: BlobInfo;
    try {
      info = await this.blobs.commitUpload(id, digest);
    } catch (e) {
      if (isRegistryError(e, "DigestMismatch")) await this.cancel(repo, id);
      throw e;
    }
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM registry_uploads WHERE id = ?").run(id);
      linkBlob(this.db, repo, info, now);
    })();
    return info;
  }

  async cancel(repo: RepositoryRecord, id: string): Promise<void> {
    this.row(repo, id);
    this.db.prepare("DELETE FROM registry_uploads WHERE id = ?").run(id);
    await this.blobs.cancelUpload(id);
  }

  /** The session's start time; BLOB_UPLOAD_UNKNOWN unless it belongs to `repo`. */
  private row(repo: RepositoryRecord, id: string): Date {
    const row = this.db.prepare("SELECT started_at FROM registry_uploads WHERE id = ? AND repo_id = ?").get(id, repo.id) as { started_at: number } | undefined;
    if (!row) throw uploadNotFound(id);
    return new Date(row.started_at);
  }
}
