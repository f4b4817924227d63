import type { Db } from "../store/database.js";

/** A stored manifest: the exact bytes pushed, and what was learned from them. */
export interface ManifestRecord {
  digest: string;
  mediaType: string;
  /** As the referrers API reports it (artifactType, else an image's config media type). */
  artifactType?: string;
  /** The image config's media type (ECR's artifactMediaType); absent for indexes. */
  configMediaType?: string;
  /** Bytes of the manifest itself. */
  size: number;
  pushedAt: Date;
  lastPullAt?: Date;
  /** When the image last went to the archive storage class (storage-class.ts). */
  archivedAt?: Date;
  /** When its last restore completed (or, while ACTIVATING, will complete). */
  activatedAt?: Date;
  /** The digest this manifest's `subject` names (referrers API). */
  subject?: string;
  raw: Buffer;
}

interface Row {
  digest: string;
  media_type: string;
  artifact_type: string | null;
  config_media_type: string | null;
  size: number;
  pushed_at: number;
  last_pull_at: number | null;
  archived_at: number | null;
  activated_at: number | null;
  subject: string | null;
  raw: Buffer;
}

export const toManifest = (r: Row): ManifestRecord => ({
  digest: r.digest,
  mediaType: r.media_type,
  artifactType: r.artifact_type ?? undefined,
  configMediaType: r.config_media_type ?? undefined,
  size: r.size,
  pushedAt: new Date(r.pushed_at),
  lastPullAt: r.last_pull_at === null ? undefined : new Date(r.last_pull_at),
  archivedAt: r.archived_at === null ? undefined : new Date(r.archived_at),
  activatedAt: r.activated_at === null ? undefined : new Date(r.activated_at),
  subject: r.subject ?? undefined,
  raw: r.raw,
});

export function selectManifest(db: Db, repoId: number, digest: string): ManifestRecord | undefined {
  const row = db.prepare("SELECT * FROM registry_manifests WHERE repo_id = ? AND digest = ?").get(repoId, digest) as Row | undefined;
  return row ? toManifest(row) : undefined;
}

export function tagTarget(db: Db, repoId: number, tag: string): string | undefined {
  return (db.prepare("SELECT digest FROM image_tags WHERE repo_id = ? AND tag = ?").get(repoId, tag) as { digest: string } | undefined)?.digest;
}

export function tagsOf(db: Db, repoId: number, digest: string): string[] {
  return (db.prepare("SELECT tag FROM image_tags WHERE repo_id = ? AND digest = ? ORDER BY tag").all(repoId, digest) as Array<{ tag: string }>).map((r) => r.tag);
}

export function selectReferrers(db: Db, repoId: number, subject: string, artifactType?: string): ManifestRecord[] {
  const rows = artifactType === undefined
    ? db.prepare("SELECT * FROM registry_manifests WHERE repo_id = ? AND subject = ? ORDER BY pushed_at, digest").all(repoId, subject)
    : db.prepare("SELECT * FROM registry_manifests WHERE repo_id = ? AND subject = ? AND artifact_type = ? ORDER BY pushed_at, digest").all(repoId, subject, artifactType);
  return (rows as Row[]).map(toManifest);
}

/** Every manifest of a repository with its tags and image size, for image listings. */
export function selectImages(db: Db, repoId: number): Array<ManifestRecord & { tags: string[]; imageSize: number }> {
  const rows = db.prepare(
    `SELECT m.*,
       (SELECT coalesce(sum(r.size), 0) FROM manifest_references r WHERE r.repo_id = m.repo_id AND r.manifest = m.digest AND r.kind = 'blob') AS image_size,
       (SELECT json_group_array(tag) FROM (SELECT t.tag FROM image_tags t WHERE t.repo_id = m.repo_id AND t.digest = m.digest ORDER BY t.tag)) AS tags
     FROM registry_manifests m WHERE m.repo_id = ? ORDER BY m.pushed_at, m.digest`,
  ).all(repoId) as Array<Row & { image_size: number; tags: string }>;
  return rows.map((r) => ({ ...toManifest(r), tags: JSON.parse(r.tags) as string[], imageSize: r.image_size }));
}
