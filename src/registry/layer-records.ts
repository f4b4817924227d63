import type { Db } from "../store/database.js";
import { parseManifest } from "./manifest.js";

/**
 * The media type a manifest of the repository gives a blob (as config or layer), or undefined
 * when no manifest of the repository names it. ECR's layer API reports the first (a blob has
 * one media type in practice; pushes that disagree are not refused by the registry either).
 */
export function blobMediaType(db: Db, repoId: number, digest: string): string | undefined {
  const row = db.prepare(
    `SELECT m.raw, m.media_type FROM manifest_references r JOIN registry_manifests m ON m.repo_id = r.repo_id AND m.digest = r.manifest
     WHERE r.repo_id = ? AND r.child = ? AND r.kind = 'blob' LIMIT 1`,
  ).get(repoId, digest) as { raw: Buffer; media_type: string } | undefined;
  if (!row) return undefined;
  try {
    const parsed = parseManifest(row.raw, row.media_type);
    return parsed.blobs.find((b) => b.digest === digest)?.mediaType ?? "";
  } catch {
    // Stored manifests were parsed when pushed; an unreadable one still names the blob.
    return "";
  }
}
