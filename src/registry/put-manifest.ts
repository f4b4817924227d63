import type { Db } from "../store/database.js";
import { digestOf, looksLikeDigest, parseDigest } from "./digest.js";
import { digestMismatch, invalidDigest, invalidManifest, RegistryError, tagImmutable } from "./errors.js";
import { MAX_MANIFEST_BYTES, parseManifest, type Descriptor } from "./manifest.js";
import { isTag } from "./names.js";
import type { RepositoryRecord } from "./repositories.js";
import { isTagImmutable } from "./tag-mutability.js";
import { tagTarget } from "./manifest-records.js";

export interface PutManifestInput {
  /** A tag, or the digest the content must hash to. */
  reference: string;
  raw: Buffer;
  /** The request's Content-Type, if any. */
  contentType?: string;
}

export interface PutManifestResult {
  digest: string;
  mediaType: string;
  size: number;
  /** The tag set or confirmed, when pushed by tag. */
  tag?: string;
  /** False when the repository already held these exact bytes. */
  created: boolean;
  /** The manifest the tag named before, when the push moved it. */
  previousDigest?: string;
  subject?: string;
}

/**
 * Stores a manifest, in one transaction: the content must hash to the digest it is pushed
 * under; every blob it names must be a blob of the repository (with the size it claims) and
 * every child manifest a manifest of it (MANIFEST_BLOB_UNKNOWN otherwise); a tag may move only
 * if the repository's tag mutability allows it.
 */
export function putManifest(db: Db, repo: RepositoryRecord, { reference, raw, contentType }: PutManifestInput, now: Date): PutManifestResult {
  if (raw.length > MAX_MANIFEST_BYTES) throw new RegistryError("ManifestTooLarge", `manifest is larger than ${MAX_MANIFEST_BYTES} bytes`, { size: raw.length });
  let digest: string;
  let tag: string | undefined;
  if (looksLikeDigest(reference)) {
    const d = parseDigest(reference);
    if (!d) throw invalidDigest(reference);
    const actual = digestOf(raw, d.algorithm).value;
    if (actual !== d.value) throw digestMismatch(d.value, actual);
    digest = d.value;
  } else {
    if (!isTag(reference)) throw new RegistryError("InvalidTag", "invalid tag: up to 128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'", { tag: reference.slice(0, 200) });
    tag = reference;
    digest = digestOf(raw).value;
  }
  const parsed = parseManifest(raw, contentType);

  return db.transaction((): PutManifestResult => {
    checkReferences(db, repo.id, parsed.blobs, parsed.children);
    const previousDigest = tag === undefined ? undefined : tagTarget(db, repo.id, tag);
    if (tag !== undefined && previousDigest !== undefined && previousDigest !== digest && isTagImmutable(repo.settings, tag)) {
      throw tagImmutable(repo.name, tag);
    }
    const { changes } = db.prepare(
      `INSERT INTO registry_manifests (repo_id, digest, media_type, artifact_type, config_media_type, size, pushed_at, subject, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ).run(repo.id, digest, parsed.mediaType, parsed.artifactType ?? null, parsed.configMediaType ?? null, raw.length, now.getTime(), parsed.subject?.digest ?? null, raw);
    if (changes > 0) {
      const ref = db.prepare("INSERT INTO manifest_references (repo_id, manifest, child, kind, size) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
      for (const b of parsed.blobs) ref.run(repo.id, digest, b.digest, "blob", b.size);
      for (const c of parsed.children) ref.run(repo.id, digest, c.digest, "manifest", c.size);
    }
    if (tag !== undefined) {
      db.prepare(
        `INSERT INTO image_tags (repo_id, tag, digest, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (repo_id, tag) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at`,
      ).run(repo.id, tag, digest, now.getTime());
    }
    return {
      digest, mediaType: parsed.mediaType, size: raw.length, tag, created: changes > 0,
      previousDigest: previousDigest !== digest ? previousDigest : undefined, subject: parsed.subject?.digest,
    };
  })();
}

function checkReferences(db: Db, repoId: number, blobs: Descriptor[], children: Descriptor[]): void {
  const missing: string[] = [];
  const blobSize = db.prepare("SELECT size FROM repository_blobs WHERE repo_id = ? AND digest = ?");
  for (const b of blobs) {
    const row = blobSize.get(repoId, b.digest) as { size: number } | undefined;
    if (!row) missing.push(b.digest);
    else if (row.size !== b.size) throw invalidManifest(`manifest invalid: blob ${b.digest} is ${row.size} bytes, not ${b.size}`, { digest: b.digest });
  }
  const manifest = db.prepare("SELECT size FROM registry_manifests WHERE repo_id = ? AND digest = ?");
  for (const c of children) {
    const row = manifest.get(repoId, c.digest) as { size: number } | undefined;
    if (!row) missing.push(c.digest);
    else if (row.size !== c.size) throw invalidManifest(`manifest invalid: manifest ${c.digest} is ${row.size} bytes, not ${c.size}`, { digest: c.digest });
  }
  if (missing.length) {
    const unique = [...new Set(missing)];
    throw new RegistryError("ManifestReferencesMissing", `manifest blob unknown: the repository has no ${unique.join(", ")}`, { missing: unique });
  }
}
