import type { Readable } from "node:stream";
import { emitImageAction } from "./image-events.js";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import type { AppendOptions, BlobInfo, BlobStore } from "./blob-store.js";
import type { ByteRange } from "./byte-range.js";
import { looksLikeDigest, parseDigest, type Digest } from "./digest.js";
import {
  blobNotFound, invalidDigest, invalidName, manifestNotFound, RegistryError, repositoryNotEmpty, repositoryNotFound,
} from "./errors.js";
import { isRepositoryName, isTag } from "./names.js";
import {
  defaultSettings, findRepository, findRepositoryById, insertRepository, saveSettings, selectRepositories,
  type RepositoryRecord, type RepositorySettings,
} from "./repositories.js";
import { putManifest, type PutManifestInput, type PutManifestResult } from "./put-manifest.js";
import { selectImages, selectManifest, selectReferrers, tagsOf, tagTarget, type ManifestRecord } from "./manifest-records.js";
import { linkBlob, linkedBlobSize, touchLink, unlinkBlob } from "./blob-links.js";
import { Uploads, type UploadInfo } from "./uploads.js";
import { BlobLeases, uploadKey } from "./blob-leases.js";
import { collectGarbage, type GcOptions, type GcReport } from "./gc.js";
import { blobMediaType } from "./layer-records.js";
import { imageStatus, RESTORE_MS } from "./storage-class.js";

export type { RepositoryRecord, RepositorySettings, ManifestRecord, PutManifestInput, PutManifestResult, UploadInfo, BlobInfo, GcOptions, GcReport };

/** An image as ECR lists it: a manifest with its tags and the bytes of the blobs it names. */
export interface ImageRecord extends ManifestRecord {
  tags: string[];
  /** Sum of the sizes of the config and layers the manifest names (0 for an index). */
  imageSize: number;
}

/** A referrer as the referrers API lists it (an OCI descriptor). */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** A manifest push as onManifestPut listeners see it. */
export interface ManifestPutEvent {
  scope: Scope;
  repository: RepositoryRecord;
  result: PutManifestResult;
  /** True for a copy made by replication (copyImage), which ECR does not replicate again. */
  replicated: boolean;
}

/**
 * ECR refreshes lastRecordedPullTime "at least once every 24 hours"; refreshing at most hourly
 * keeps manifest GETs from writing (and fsyncing) the database on every pull.
 */
export const PULL_TIME_REFRESH_MS = 60 * 60 * 1000;

/**
 * The registry's state: repositories, manifests, tags, which blobs each repository has, and
 * upload sessions, for both the OCI /v2 API and the ECR API. Metadata lives in SQLite (each
 * mutation is one transaction), blob bytes in a BlobStore.
 *
 * Every operation is scoped by account and region and names repositories by name; it throws
 * RegistryError (errors.ts) whose `kind` each protocol edge maps to its own wire error.
 * Digests and tags arrive as the client's text and are validated here (InvalidDigest,
 * InvalidTag), so callers need not parse them first.
 */
export class RegistryStore {
  private readonly db: Db;
  private readonly blobs: BlobStore;
  private readonly clock: Clock;
  private readonly uploads: Uploads;
  private readonly linkRefreshMs: number;
  private readonly freedListeners: Array<() => void> = [];
  private readonly putListeners: Array<(event: ManifestPutEvent) => void> = [];
  /** Keeps pushes and garbage collection of the same blob apart (blob-leases.ts). */
  readonly leases = new BlobLeases();

  /**
   * `linkRefreshMs`: a HEAD of a blob restarts its link's GC grace period once the link is
   * older than this (keep it well under the grace period; see gc.ts).
   */
  constructor({ db, blobs, clock, linkRefreshMs = 60_000 }: { db: Db; blobs: BlobStore; clock: Clock; linkRefreshMs?: number }) {
    this.db = db;
    this.blobs = blobs;
    this.clock = clock;
    this.uploads = new Uploads(db, blobs);
    this.linkRefreshMs = linkRefreshMs;
  }

  /** Calls `listener` after anything that may leave blobs unreferenced (deleted images, repositories, links). */
  onFreed(listener: () => void): void {
    this.freedListeners.push(listener);
  }

  /**
   * Calls `listener` for every stored manifest push (through /v2 or ECR's PutImage), inside the
   * push's transaction and after the manifest is written: what the listener writes commits or
   * rolls back with the push, and a listener that throws fails the push (so it must not).
   * Slow work belongs after the transaction (schedule it; do not await it here).
   */
  onManifestPut(listener: (event: ManifestPutEvent) => void): void {
    this.putListeners.push(listener);
  }

  private freed(): void {
    for (const listener of this.freedListeners) listener();
  }

  // ---- repositories -------------------------------------------------------------------

  /** RepositoryAlreadyExists, InvalidName. Unset settings take ECR's defaults. */
  createRepository(scope: Scope, name: string, settings: Partial<RepositorySettings> = {}): RepositoryRecord {
    return this.db.transaction(() => insertRepository(this.db, scope, name, { ...defaultSettings(), ...settings }, this.clock.now()))();
  }

  getRepository(scope: Scope, name: string): RepositoryRecord | undefined {
    return findRepository(this.db, scope, name);
  }

  /** InvalidName for a name no repository can have, RepositoryNotFound for one that is not there. */
  requireRepository(scope: Scope, name: string): RepositoryRecord {
    if (!isRepositoryName(name)) throw invalidName(name);
    const repo = findRepository(this.db, scope, name);
    if (!repo) throw repositoryNotFound(name, scope.account);
    return repo;
  }

  /** In name order, after `after` (exclusive); `limit` < 0 means all. */
  listRepositories(scope: Scope, { after, limit }: { after?: string; limit?: number } = {}): RepositoryRecord[] {
    return selectRepositories(this.db, scope, { after, limit });
  }

  updateRepositorySettings(scope: Scope, name: string, patch: Partial<RepositorySettings>): RepositoryRecord {
    return this.db.transaction(() => {
      const repo = this.requireRepository(scope, name);
      const settings = { ...repo.settings, ...patch } as RepositorySettings;
      saveSettings(this.db, repo.id, settings);
      return { ...repo, settings };
    })();
  }

  /**
   * RepositoryNotEmpty while it holds manifests, unless `force`. Its manifests, tags, blob
   * links and upload sessions go with it; blob bytes stay for GC (other repositories may
   * share them).
   */
  async deleteRepository(scope: Scope, name: string, { force = false }: { force?: boolean } = {}): Promise<RepositoryRecord> {
    const { repo, uploadIds } = this.db.transaction(() => {
      const repo = this.requireRepository(scope, name);
      if (!force && this.db.prepare("SELECT 1 FROM registry_manifests WHERE repo_id = ? LIMIT 1").get(repo.id)) {
        throw repositoryNotEmpty(name, scope.account);
      }
      const uploadIds = (this.db.prepare("SELECT id FROM registry_uploads WHERE repo_id = ?").all(repo.id) as Array<{ id: string }>).map((r) => r.id);
      this.db.prepare("DELETE FROM registry_repositories WHERE id = ?").run(repo.id);
      return { repo, uploadIds };
    })();
    for (const id of uploadIds) await this.blobs.cancelUpload(id);
    this.freed();
    return repo;
  }

  // ---- manifests and tags -------------------------------------------------------------

  /** See put-manifest.ts for the checks. */
  putManifest(scope: Scope, name: string, input: PutManifestInput, { replicated = false }: { replicated?: boolean } = {}): PutManifestResult {
    return this.db.transaction(() => {
      const repository = this.requireRepository(scope, name);
      const result = putManifest(this.db, repository, input, this.clock.now());
      // ECR's user guide: re-pushing an archived image restores it (at once: its bytes are here).
      const pushed = selectManifest(this.db, repository.id, result.digest)!;
      if (imageStatus(pushed, this.clock.now()) !== "ACTIVE") this.setActivatedAt(repository.id, result.digest, this.clock.now());
      emitImageAction(this.db, scope, name, "PUSH", result.digest, result.tag, this.clock.now());
      for (const listener of this.putListeners) listener({ scope, repository, result, replicated });
      return result;
    })();
  }

  /**
   * By tag or digest; ManifestNotFound, InvalidDigest, InvalidTag. `recordPull` updates
   * lastRecordedPullTime (at most every PULL_TIME_REFRESH_MS), as a pull does.
   */
  getManifest(scope: Scope, name: string, reference: string, { recordPull = false, requireActive = false }: { recordPull?: boolean; requireActive?: boolean } = {}): ManifestRecord {
    const repo = this.requireRepository(scope, name);
    const digest = this.resolve(repo, reference);
    const m = digest === undefined ? undefined : selectManifest(this.db, repo.id, digest);
    if (!m) throw manifestNotFound(name, reference);
    if (requireActive && imageStatus(m, this.clock.now()) !== "ACTIVE") {
      throw new RegistryError("ManifestArchived", `The image with reference '${reference}' in repository '${name}' is archived and cannot be pulled; restore it first`, { digest: m.digest });
    }
    if (recordPull) {
      const now = this.clock.now();
      if (!m.lastPullAt || now.getTime() - m.lastPullAt.getTime() >= PULL_TIME_REFRESH_MS) {
        this.db.prepare("UPDATE registry_manifests SET last_pull_at = ? WHERE repo_id = ? AND digest = ?").run(now.getTime(), repo.id, m.digest);
        m.lastPullAt = now;
      }
    }
    return m;
  }

  /** Moves an image to the archive storage class now (lastArchivedAt). ManifestNotFound. */
  archiveImage(scope: Scope, name: string, digest: string): void {
    const repo = this.requireRepository(scope, name);
    const d = this.digest(digest).value;
    const changed = this.db.prepare("UPDATE registry_manifests SET archived_at = ? WHERE repo_id = ? AND digest = ?").run(this.clock.now().getTime(), repo.id, d).changes;
    if (!changed) throw manifestNotFound(name, d);
  }

  /** Starts restoring an archived image: ACTIVATING for RESTORE_MS, then ACTIVE. ManifestNotFound. */
  restoreImage(scope: Scope, name: string, digest: string): void {
    const repo = this.requireRepository(scope, name);
    const d = this.digest(digest).value;
    if (!selectManifest(this.db, repo.id, d)) throw manifestNotFound(name, d);
    this.setActivatedAt(repo.id, d, new Date(this.clock.now().getTime() + RESTORE_MS));
  }

  private setActivatedAt(repoId: number, digest: string, at: Date): void {
    this.db.prepare("UPDATE registry_manifests SET activated_at = ? WHERE repo_id = ? AND digest = ?").run(at.getTime(), repoId, digest);
  }

  /** The tags naming a manifest. */
  tagsOf(scope: Scope, name: string, digest: string): string[] {
    return tagsOf(this.db, this.requireRepository(scope, name).id, this.digest(digest).value);
  }

  /**
   * Deletes a manifest and every tag naming it. ManifestReferenced while an index in the
   * repository lists it (ECR's ImageReferencedByManifestList); referrers are kept.
   */
  deleteManifest(scope: Scope, name: string, digest: string): { digest: string; tags: string[] } {
    const d = this.digest(digest).value;
    const deleted = this.db.transaction(() => {
      const repo = this.requireRepository(scope, name);
      if (!selectManifest(this.db, repo.id, d)) throw manifestNotFound(name, d);
      const parent = this.db.prepare("SELECT manifest FROM manifest_references WHERE repo_id = ? AND child = ? AND kind = 'manifest' LIMIT 1").get(repo.id, d) as { manifest: string } | undefined;
      if (parent) throw new RegistryError("ManifestReferenced", `manifest ${d} is referenced by manifest list ${parent.manifest}`, { digest: d, referencedBy: parent.manifest });
      const tags = tagsOf(this.db, repo.id, d);
      this.db.prepare("DELETE FROM registry_manifests WHERE repo_id = ? AND digest = ?").run(repo.id, d);
      for (const tag of tags.length ? tags : [undefined]) emitImageAction(this.db, scope, name, "DELETE", d, tag, this.clock.now());
      return { digest: d, tags };
    })();
    this.freed();
    return deleted;
  }

  /** Removes a tag; the manifest stays (untagged). ManifestNotFound when there is no such tag. */
  deleteTag(scope: Scope, name: string, tag: string): { digest: string } {
    return this.db.transaction(() => {
      const repo = this.requireRepository(scope, name);
      const digest = isTag(tag) ? tagTarget(this.db, repo.id, tag) : undefined;
      if (digest === undefined) throw manifestNotFound(name, tag);
      this.db.prepare("DELETE FROM image_tags WHERE repo_id = ? AND tag = ?").run(repo.id, tag);
      emitImageAction(this.db, scope, name, "DELETE", digest, tag, this.clock.now());
      return { digest };
    })();
  }

  /** Tags in byte order after `after`; `more` says whether a next page exists. */
  listTags(scope: Scope, name: string, { after = "", limit }: { after?: string; limit: number }): { tags: string[]; more: boolean } {
    const repo = this.requireRepository(scope, name);
    const rows = this.db.prepare("SELECT tag FROM image_tags WHERE repo_id = ? AND tag > ? ORDER BY tag LIMIT ?").all(repo.id, after, limit + 1) as Array<{ tag: string }>;
    return { tags: rows.slice(0, limit).map((r) => r.tag), more: rows.length > limit };
  }

  /** Every manifest in the repository, oldest push first, with tags and sizes. */
  listImages(scope: Scope, name: string): ImageRecord[] {
    return selectImages(this.db, this.requireRepository(scope, name).id);
  }

  /** Manifests whose subject is `digest`, optionally of one artifactType. */
  referrers(scope: Scope, name: string, digest: string, { artifactType }: { artifactType?: string } = {}): ReferrerDescriptor[] {
    const repo = this.requireRepository(scope, name);
    return selectReferrers(this.db, repo.id, this.digest(digest).value, artifactType).map((m) => ({
      mediaType: m.mediaType,
      digest: m.digest,
      size: m.size,
      artifactType: m.artifactType,
      annotations: annotationsOf(m.raw),
    }));
  }

  /**
   * Copies an image (and, for an index, the manifests it lists) from one repository to
   * another, of any account and region, in one transaction: the blobs are linked, not copied
   * (their bytes are content-addressed and shared), then the manifests are put as a push
   * would put them (tag mutability, listeners and events included). The destination must
   * exist. ManifestNotFound when the source no longer has the image.
   */
  copyImage(from: { scope: Scope; name: string }, digest: string, to: { scope: Scope; name: string }, tag?: string): PutManifestResult {
    return this.db.transaction(() => {
      const source = this.requireRepository(from.scope, from.name);
      const target = this.requireRepository(to.scope, to.name);
      const copy = (d: string, reference: string): PutManifestResult => {
        const m = selectManifest(this.db, source.id, d);
        if (!m) throw manifestNotFound(from.name, d);
        const refs = this.db.prepare("SELECT child, kind, size FROM manifest_references WHERE repo_id = ? AND manifest = ?").all(source.id, d) as Array<{ child: string; kind: string; size: number }>;
        for (const r of refs) {
          if (r.kind === "manifest") copy(r.child, r.child);
          else linkBlob(this.db, target, { digest: r.child, size: r.size }, this.clock.now());
        }
        return this.putManifest(to.scope, to.name, { reference, raw: m.raw, contentType: m.mediaType }, { replicated: true });
      };
      return copy(this.digest(digest).value, tag ?? digest);
    })();
  }

  // ---- blobs --------------------------------------------------------------------------

  /**
   * The blob when the repository has it and its bytes are present. Restarts the link's GC
   * grace period: the caller may be a push that skips the upload because the blob is there.
   */
  async statBlob(scope: Scope, name: string, digest: string): Promise<BlobInfo | undefined> {
    const repo = this.requireRepository(scope, name);
    const d = this.digest(digest);
    if (linkedBlobSize(this.db, repo.id, d.value) === undefined) return undefined;
    touchLink(this.db, repo.id, d.value, this.clock.now(), this.linkRefreshMs);
    return this.blobs.stat(d);
  }

  /**
   * The blob as ECR's layer API sees it, or undefined when the repository does not have it:
   * its size, whether its bytes are present, and the media type a manifest of the repository
   * gives it (undefined when no manifest names it, i.e. the layer is not part of an image).
   */
  async layerInfo(scope: Scope, name: string, digest: string): Promise<{ size: number; present: boolean; mediaType?: string } | undefined> {
    const repo = this.requireRepository(scope, name);
    const d = this.digest(digest);
    const size = linkedBlobSize(this.db, repo.id, d.value);
    if (size === undefined) return undefined;
    const mediaType = blobMediaType(this.db, repo.id, d.value);
    const present = (await this.blobs.stat(d)) !== undefined;
    return { size, present, mediaType };
  }

  /** The blob's bytes (after statBlob said the repository has it); BlobNotFound if gone. */
  openBlob(digest: string, range?: ByteRange): Promise<Readable> {
    return this.blobs.open(this.digest(digest), range);
  }

  /** A monolithic upload: streamed, verified, then linked to the repository. */
  async putBlob(scope: Scope, name: string, digest: string, source: Readable, { size }: { size?: number } = {}): Promise<BlobInfo> {
    const repo = this.requireRepository(scope, name);
    const d = this.digest(digest);
    // Held from before the bytes land until the link is committed (blob-leases.ts).
    return this.leases.hold(d.value, async () => {
      const info = await this.blobs.put(source, d, { size });
      this.db.transaction(() => linkBlob(this.db, repo, info, this.clock.now()))();
      return info;
    });
  }

  /**
   * Cross-repository mount: links a blob that repository `from` (same account and region)
   * has. Undefined when it cannot (no such repository or blob), so the caller can fall back
   * to an upload, as the spec asks.
   */
  async mountBlob(scope: Scope, name: string, from: string, digest: string): Promise<BlobInfo | undefined> {
    const repo = this.requireRepository(scope, name);
    const d = this.digest(digest);
    const source = isRepositoryName(from) ? findRepository(this.db, scope, from) : undefined;
    if (!source) return undefined;
    return this.leases.hold(d.value, async () => {
      if (linkedBlobSize(this.db, source.id, d.value) === undefined) return undefined;
      const info = await this.blobs.stat(d);
      if (!info) return undefined;
      this.db.transaction(() => linkBlob(this.db, repo, info, this.clock.now()))();
      return info;
    });
  }

  /** Removes the blob from the repository (its bytes stay until GC). BlobNotFound if absent. */
  unlinkBlob(scope: Scope, name: string, digest: string): void {
    const repo = this.requireRepository(scope, name);
    const d = this.digest(digest);
    if (!unlinkBlob(this.db, repo.id, d.value)) throw blobNotFound(d.value);
    this.freed();
  }

  // ---- upload sessions ----------------------------------------------------------------

  async startUpload(scope: Scope, name: string): Promise<UploadInfo> {
    return this.uploads.start(this.requireRepository(scope, name), this.clock.now());
  }

  /** UploadNotFound unless the session exists in this repository. */
  async uploadStatus(scope: Scope, name: string, id: string): Promise<UploadInfo> {
    return this.uploads.status(this.requireRepository(scope, name), id);
  }

  /** UploadOutOfOrder when `start` is not the session's size. */
  async appendUpload(scope: Scope, name: string, id: string, source: Readable, options?: AppendOptions): Promise<UploadInfo> {
    const repo = this.requireRepository(scope, name);
    return this.leases.hold(uploadKey(id), () => this.uploads.append(repo, id, source, options));
  }

  /** Ends the session as the blob `digest`, linked to the repository; DigestMismatch discards it. */
  async completeUpload(scope: Scope, name: string, id: string, digest: string, finalChunk?: Readable, options?: AppendOptions): Promise<BlobInfo> {
    const repo = this.requireRepository(scope, name);
    const d = this.digest(digest);
    return this.leases.hold(uploadKey(id), () =>
      this.leases.hold(d.value, () => this.uploads.complete(repo, id, d, finalChunk, options, this.clock.now())));
  }

  async cancelUpload(scope: Scope, name: string, id: string): Promise<void> {
    const repo = this.requireRepository(scope, name);
    return this.leases.hold(uploadKey(id), () => this.uploads.cancel(repo, id));
  }

  // ---- housekeeping -------------------------------------------------------------------

  /** Repositories of every account and region whose settings document has `setting`. */
  repositoriesWithSetting(setting: string): RepositoryRecord[] {
    const rows = this.db.prepare("SELECT id FROM registry_repositories WHERE json_extract(doc, '$.' || ?) IS NOT NULL ORDER BY id").all(setting) as Array<{ id: number }>;
    return rows.map((r) => findRepositoryById(this.db, r.id)).filter((r): r is RepositoryRecord => r !== undefined);
  }

  /** One mark-and-sweep of blobs, links and upload sessions nothing needs (gc.ts). */
  collectGarbage(options: GcOptions): Promise<GcReport> {
    return collectGarbage({ db: this.db, blobs: this.blobs, leases: this.leases, now: this.clock.now() }, options);
  }

  /** Removes every blob and upload file (the tables are wiped with the rest of the state). */
  wipeBlobs(): Promise<void> {
    return this.blobs.wipe();
  }

  // ---- helpers ------------------------------------------------------------------------

  private digest(s: string): Digest {
    const d = parseDigest(s);
    if (!d) throw invalidDigest(s);
    return d;
  }

  /** The digest a reference names in the repository; undefined for an unknown tag. */
  private resolve(repo: RepositoryRecord, reference: string): string | undefined {
    if (looksLikeDigest(reference)) return this.digest(reference).value;
    if (!isTag(reference)) throw new RegistryError("InvalidTag", "invalid tag", { tag: reference.slice(0, 200) });
    return tagTarget(this.db, repo.id, reference);
  }
}

function annotationsOf(raw: Buffer): Record<string, string> | undefined {
  try {
    const a = (JSON.parse(raw.toString("utf8")) as { annotations?: Record<string, string> }).annotations;
    return a && typeof a === "object" ? a : undefined;
  } catch {
    return undefined;
  }
}
