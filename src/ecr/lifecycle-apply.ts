import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { ImageRecord, RegistryStore, RepositoryRecord } from "../registry/registry-store.js";
import { isRegistryError } from "../registry/errors.js";
import { parseManifest } from "../registry/manifest.js";
import { evaluateLifecycle, type Expiration, type LifecycleImage } from "./lifecycle-evaluate.js";
import { parseLifecyclePolicy, type LifecyclePolicy } from "./lifecycle-policy.js";
import { imageStatus } from "../registry/storage-class.js";

/** Where a repository's lifecycle policy lives in its settings document (ECR's wire names). */
export const LIFECYCLE_SETTING = "lifecyclePolicy";

export interface StoredLifecyclePolicy {
  /** The policy text as GetLifecyclePolicy returns it (lifecycle-policy.ts, formatLifecyclePolicy). */
  text: string;
  /** Epoch ms of the last evaluation (GetLifecyclePolicy's lastEvaluatedAt). */
  lastEvaluatedAt?: number;
}

export function storedPolicy(repo: RepositoryRecord): StoredLifecyclePolicy | undefined {
  const v = repo.settings[LIFECYCLE_SETTING] as StoredLifecyclePolicy | undefined;
  return v && typeof v.text === "string" ? v : undefined;
}

const scopeOf = (repo: RepositoryRecord) => ({ account: repo.account, region: repo.region });

/** An image as the evaluator sees it, and as previews and logs show it. */
export type EvaluatedImage = LifecycleImage & { record: ImageRecord };

/**
 * The repository's images, with their storage class and the children of each index (which the
 * evaluator keeps). Images being restored (ACTIVATING) are in neither class until the restore
 * completes, so no rule acts on them.
 */
export function lifecycleImages(store: RegistryStore, repo: RepositoryRecord, now: Date): EvaluatedImage[] {
  return store.listImages(scopeOf(repo), repo.name).flatMap((record) => {
    const status = imageStatus(record, now);
    if (status === "ACTIVATING") return [];
    return [{
      digest: record.digest,
      tags: record.tags,
      pushedAt: record.pushedAt,
      lastPullAt: record.lastPullAt,
      storageClass: status === "ARCHIVED" ? "archive" as const : "standard" as const,
      archivedAt: record.archivedAt,
      children: childrenOf(record),
      record,
    }];
  });
}

function childrenOf(m: ImageRecord): string[] | undefined {
  try {
    const children = parseManifest(m.raw, m.mediaType).children.map((c) => c.digest);
    return children.length ? children : undefined;
  } catch {
    return undefined; // stored manifests were validated on push; nothing to keep if not
  }
}

/** What a policy would expire or archive in the repository now, without touching it. */
export function previewLifecycle(store: RegistryStore, repo: RepositoryRecord, policy: LifecyclePolicy, now: Date): Array<Expiration & { image: EvaluatedImage }> {
  const images = lifecycleImages(store, repo, now);
  const byDigest = new Map(images.map((i) => [i.digest, i]));
  return evaluateLifecycle(images, policy, now).map((e) => ({ ...e, image: byDigest.get(e.digest)! }));
}

export interface ExpiredImage extends Expiration {
  tags: string[];
}

/**
 * Evaluates the repository's policy and applies what it selects: an expired image's manifest
 * and tags are deleted (the blobs become garbage for the collector); a transitioned image goes
 * to the archive storage class (kept, no longer pullable). One transaction, so no push
 * or API call interleaves between the evaluation and the deletes. Records lastEvaluatedAt.
 */
export function applyLifecyclePolicy({ db, store, clock }: { db: Db; store: RegistryStore; clock: Clock }, repo: RepositoryRecord): ExpiredImage[] {
  return db.transaction((): ExpiredImage[] => {
    const current = store.getRepository(scopeOf(repo), repo.name);
    // Deleted (or deleted and created again) since the caller listed it.
    if (!current || current.id !== repo.id) return [];
    const stored = storedPolicy(current);
    if (!stored) return [];
    const now = clock.now();
    const expired: ExpiredImage[] = [];
    for (const e of previewLifecycle(store, current, parseLifecyclePolicy(stored.text), now)) {
      if (e.action === "transition") {
        store.archiveImage(scopeOf(current), current.name, e.digest);
        expired.push({ digest: e.digest, rulePriority: e.rulePriority, action: e.action, tags: e.image.tags });
        continue;
      }
      try {
        const { tags } = store.deleteManifest(scopeOf(current), current.name, e.digest);
        expired.push({ digest: e.digest, rulePriority: e.rulePriority, action: e.action, tags });
      } catch (err) {
        // An index outside the policy's reach lists it: it stays, as the evaluator intends.
        if (isRegistryError(err, "ManifestReferenced")) continue;
        throw err;
      }
    }
    store.updateRepositorySettings(scopeOf(current), current.name, { [LIFECYCLE_SETTING]: { ...stored, lastEvaluatedAt: now.getTime() } });
    return expired;
  })();
}
