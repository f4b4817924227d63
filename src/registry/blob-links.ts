import type { Db } from "../store/database.js";
import type { BlobInfo } from "./blob-store.js";
import { findRepositoryById, type RepositoryRecord } from "./repositories.js";
import { repositoryNotFound } from "./errors.js";

/**
 * Which blobs a repository has. Blob bytes are shared by everyone; a blob is part of a
 * repository only once it was uploaded to it or mounted into it, which is what pulls and
 * manifest pushes check (and what garbage collection reads: a link no manifest of its
 * repository references is removed once older than the grace period, see gc.ts).
 */
export function linkBlob(db: Db, repo: RepositoryRecord, blob: BlobInfo, now: Date): void {
  // The repository may have been deleted while the blob streamed in.
  if (!findRepositoryById(db, repo.id)) throw repositoryNotFound(repo.name, repo.account);
  // linked_at restarts: the client just pushed the blob and its manifest PUT is coming.
  db.prepare(
    `INSERT INTO repository_blobs (repo_id, digest, size, linked_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (repo_id, digest) DO UPDATE SET size = excluded.size, linked_at = excluded.linked_at`,
  ).run(repo.id, blob.digest, blob.size, now.getTime());
}

/**
 * Restarts a link's grace period when it is older than `olderThanMs`: a client told the blob
 * is there (HEAD before a push) may skip the upload and PUT a manifest naming it next.
 */
export function touchLink(db: Db, repoId: number, digest: string, now: Date, olderThanMs: number): void {
  db.prepare("UPDATE repository_blobs SET linked_at = ? WHERE repo_id = ? AND digest = ? AND linked_at < ?")
    .run(now.getTime(), repoId, digest, now.getTime() - olderThanMs);
}

export function linkedBlobSize(db: Db, repoId: number, digest: string): number | undefined {
  return (db.prepare("SELECT size FROM repository_blobs WHERE repo_id = ? AND digest = ?").get(repoId, digest) as { size: number } | undefined)?.size;
}

export function unlinkBlob(db: Db, repoId: number, digest: string): boolean {
  return db.prepare("DELETE FROM repository_blobs WHERE repo_id = ? AND digest = ?").run(repoId, digest).changes > 0;
}

/** True when any repository links the blob or any manifest names it (GC must keep it). */
export function isBlobReferenced(db: Db, digest: string): boolean {
  return (
    db.prepare("SELECT 1 FROM repository_blobs WHERE digest = ? LIMIT 1").get(digest) !== undefined ||
    db.prepare("SELECT 1 FROM manifest_references WHERE child = ? AND kind = 'blob' LIMIT 1").get(digest) !== undefined
  );
}
