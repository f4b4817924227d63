import type { Db } from "../store/database.js";
import type { BlobStore } from "./blob-store.js";
import { uploadKey, type BlobLeases } from "./blob-leases.js";
import { isBlobReferenced } from "./blob-links.js";
import { parseDigest } from "./digest.js";

export interface GcOptions {
  /**
   * How old a link no manifest references, or a blob file nothing references, must be before
   * it goes: the time a push has between uploading (or HEADing) a blob and PUTting the
   * manifest that names it.
   */
  graceMs: number;
  /** An upload session nobody has written to for this long is abandoned. */
  uploadExpiryMs: number;
}

export interface GcReport {
  /** Repository links to blobs that no manifest of the repository references. */
  linksRemoved: number;
  uploadsExpired: number;
  blobsDeleted: number;
  bytesFreed: number;
  /** Blobs something references (kept). */
  blobsInUse: number;
  /** Unreferenced, but younger than the grace period or being pushed right now (kept this round). */
  blobsSpared: number;
}

export interface GcDeps {
  db: Db;
  blobs: BlobStore;
  leases: BlobLeases;
  now: Date;
}

/**
 * One mark-and-sweep (docs/registry.md, "Garbage collection"). A blob is live while a
 * repository links it or a manifest references it (`isBlobReferenced`); everything else goes,
 * in three steps:
 * 1. links that no manifest of their repository references and that are older than the grace
 *    period are removed (uploaded or mounted, never used: the push that wanted them is over);
 * 2. upload sessions idle for longer than uploadExpiryMs are cancelled;
 * 3. each blob file that is unreferenced and older than the grace period is deleted under the
 *    digest's lease, after checking again that nothing references it. Every path that creates
 *    a link holds that lease, so between the check and the delete no link can appear, and a
 *    manifest (which needs a link) cannot start to reference the blob.
 * Safe to run at any time, while pushes and pulls go on.
 */
export async function collectGarbage({ db, blobs, leases, now }: GcDeps, { graceMs, uploadExpiryMs }: GcOptions): Promise<GcReport> {
  const report: GcReport = { linksRemoved: 0, uploadsExpired: 0, blobsDeleted: 0, bytesFreed: 0, blobsInUse: 0, blobsSpared: 0 };
  const cutoff = now.getTime() - graceMs;

  report.linksRemoved = db.prepare(
    `DELETE FROM repository_blobs WHERE linked_at < ? AND NOT EXISTS (
       SELECT 1 FROM manifest_references r WHERE r.repo_id = repository_blobs.repo_id AND r.child = repository_blobs.digest AND r.kind = 'blob')`,
  ).run(cutoff).changes;

  report.uploadsExpired = await expireUploads({ db, blobs, leases, now }, uploadExpiryMs);

  for await (const blob of blobs.list()) {
    if (isBlobReferenced(db, blob.digest)) {
      report.blobsInUse++;
      continue;
    }
    const d = parseDigest(blob.digest);
    if (!d || (blob.modifiedAt && blob.modifiedAt.getTime() > cutoff)) {
      report.blobsSpared++;
      continue;
    }
    // Checked again under the lease: a push may have linked it since the check above.
    const deleted = await leases.condemn(d.value, async () => !isBlobReferenced(db, d.value) && (await blobs.delete(d)));
    if (deleted) {
      report.blobsDeleted++;
      report.bytesFreed += blob.size;
    } else if (deleted === undefined) report.blobsSpared++;
    else report.blobsInUse++;
  }
  return report;
}

/**
 * Cancels sessions whose bytes nobody appended to for `expiryMs` (a session's row and file
 * go together), files left without a row (a crash between creating the two), and rows whose
 * file is gone. A session in the middle of an append or commit holds its lease and is left
 * for the next round.
 */
async function expireUploads({ db, blobs, leases, now }: GcDeps, expiryMs: number): Promise<number> {
  const cutoff = now.getTime() - expiryMs;
  const rows = new Map((db.prepare("SELECT id, started_at FROM registry_uploads").all() as Array<{ id: string; started_at: number }>).map((r) => [r.id, r.started_at]));
  const withFile = new Set<string>();
  let expired = 0;
  for await (const u of blobs.listUploads()) {
    withFile.add(u.id);
    const lastActive = Math.max(u.modifiedAt.getTime(), rows.get(u.id) ?? 0);
    if (lastActive >= cutoff) continue;
    const done = await leases.condemn(uploadKey(u.id), async () => {
      db.prepare("DELETE FROM registry_uploads WHERE id = ?").run(u.id);
      await blobs.cancelUpload(u.id);
      return true;
    });
    if (done) expired++;
  }
  for (const [id, startedAt] of rows) {
    if (withFile.has(id) || startedAt >= cutoff) continue;
    if (await leases.condemn(uploadKey(id), async () => db.prepare("DELETE FROM registry_uploads WHERE id = ?").run(id).changes > 0)) expired++;
  }
  return expired;
}
