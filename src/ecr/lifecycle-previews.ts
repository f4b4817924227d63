import type { RepositoryRecord } from "../registry/registry-store.js";

/** One image a preview says the policy would expire or move to the archive. */
export interface PreviewEntry {
  digest: string;
  tags: string[];
  pushedAt: Date;
  rulePriority: number;
  action: "expire" | "transition";
  /** The image's storage class now. */
  storageClass: "standard" | "archive";
}

export interface Preview {
  /** The policy text previewed. */
  text: string;
  entries: PreviewEntry[];
}

/** Previews older than a day are dropped, as any run-once result would be. */
const PREVIEW_TTL_MS = 24 * 60 * 60 * 1000;
/** Bounds memory whatever callers do. */
const MAX_PREVIEWS = 1000;

/**
 * The last lifecycle policy preview of each repository. Kept in memory: a preview is a
 * snapshot for a person to read right away (ECR computes it asynchronously and keeps it for a
 * while); after a restart GetLifecyclePolicyPreview answers LifecyclePolicyPreviewNotFound.
 * Keyed by the repository's identity (ARN and creation time), so a repository deleted and
 * created again does not inherit its predecessor's preview.
 */
export class LifecyclePreviews {
  private readonly byRepo = new Map<string, Preview & { at: number }>();

  put(repo: RepositoryRecord, preview: Preview, now: Date): void {
    const key = keyOf(repo);
    this.byRepo.delete(key);
    this.byRepo.set(key, { ...preview, at: now.getTime() });
    for (const [k, v] of this.byRepo) {
      if (this.byRepo.size <= MAX_PREVIEWS && now.getTime() - v.at < PREVIEW_TTL_MS) break;
      this.byRepo.delete(k); // oldest first: a Map iterates in insertion order
    }
  }

  get(repo: RepositoryRecord, now: Date): Preview | undefined {
    const p = this.byRepo.get(keyOf(repo));
    return p && now.getTime() - p.at < PREVIEW_TTL_MS ? p : undefined;
  }
}

const keyOf = (repo: RepositoryRecord) => `${repo.arn}@${repo.createdAt.getTime()}`;
