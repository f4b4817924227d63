import type { LifecyclePolicy, LifecycleRule, LifecycleSelection, StorageClass } from "./lifecycle-policy.js";

/** An image as lifecycle rules see it. */
export interface LifecycleImage {
  digest: string;
  tags: string[];
  pushedAt: Date;
  lastPullAt?: Date;
  /** Absent: standard. */
  storageClass?: StorageClass;
  /** When it went to the archive (sinceImageTransitioned counts from it). */
  archivedAt?: Date;
  /** For an index (manifest list): the digests of the manifests it lists. */
  children?: string[];
}

/** An image the policy expires (or moves to the archive), and the rule that does it. */
export interface Expiration {
  digest: string;
  rulePriority: number;
  action: "expire" | "transition";
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Which images a lifecycle policy expires or transitions to the archive at `now`, as ECR's
 * evaluator decides (docs: "Lifecycle policy evaluation rules" and the policy examples):
 * - every rule selects the images of its storage class (standard unless it says archive)
 *   matching its tag status and tag filters, and marks those its
 *   count type condemns: beyond the newest `countNumber` by push time (imageCountMoreThan), or
 *   older than `countNumber` days (sinceImagePushed; sinceImagePulled counts from the last
 *   recorded pull, or the push for an image never pulled; sinceImageTransitioned from the move
 *   to the archive);
 * - rules apply in priority order, and an image that matched the tag filters of a rule can be
 *   expired by no rule of lower priority (it still counts in their imageCountMoreThan, "as if
 *   it had not been expired"), so an image is acted on by at most one rule, with that rule's
 *   action (expire, or transition to the archive);
 * - an image listed by an index that stays is kept (the index would break otherwise); that is
 *   Berth's choice, ECR documents nothing here.
 * Pure: the same images, policy and time give the same answer. Indexes come before the images
 * they list, then oldest first, which is also a safe order to delete them in.
 */
export function evaluateLifecycle(images: LifecycleImage[], policy: LifecyclePolicy, now: Date): Expiration[] {
  const newestFirst = [...images].sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime() || (a.digest < b.digest ? 1 : -1));
  const claimed = new Set<string>();
  const expired = new Map<string, { rulePriority: number; action: Expiration["action"] }>();
  for (const rule of policy.rules) {
    const storageClass = rule.selection.storageClass ?? "standard";
    const matching = newestFirst.filter((i) => (i.storageClass ?? "standard") === storageClass && selects(rule.selection, i));
    for (const image of condemned(rule, matching, now)) {
      if (!claimed.has(image.digest) && !expired.has(image.digest)) expired.set(image.digest, { rulePriority: rule.rulePriority, action: rule.action.type });
    }
    for (const image of matching) claimed.add(image.digest);
  }
  keepListedImages(images, expired);
  return orderForDeletion(images, expired);
}

/** Whether the rule's tag status and tag filters select the image. */
export function selects(s: LifecycleSelection, image: LifecycleImage): boolean {
  if (s.tagStatus === "untagged") return image.tags.length === 0;
  if (s.tagStatus === "any") return true;
  if (image.tags.length === 0) return false;
  // Every prefix (or pattern) must match some tag of the image: with several, only images
  // carrying all of them are selected.
  if (s.tagPrefixList?.length) return s.tagPrefixList.every((p) => image.tags.some((t) => t.startsWith(p)));
  return (s.tagPatternList ?? []).every((p) => image.tags.some((t) => matchesPattern(p, t)));
}

function condemned(rule: LifecycleRule, newestFirst: LifecycleImage[], now: Date): LifecycleImage[] {
  const { countType, countNumber } = rule.selection;
  if (countType === "imageCountMoreThan") return newestFirst.slice(countNumber);
  const limit = now.getTime() - countNumber * DAY_MS;
  const since = (i: LifecycleImage) =>
    countType === "sinceImagePulled" ? (i.lastPullAt ?? i.pushedAt) : countType === "sinceImageTransitioned" ? (i.archivedAt ?? i.pushedAt) : i.pushedAt;
  return newestFirst.filter((i) => since(i).getTime() < limit);
}

/**
 * `*` matches any run of characters, everything else itself; the whole tag must match.
 * Segments are found left to right (greedy leftmost is exact for `*`-only globs), so the cost
 * is linear in the tag, whatever the pattern.
 */
export function matchesPattern(pattern: string, tag: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === tag;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (tag.length < first.length + last.length || !tag.startsWith(first) || !tag.endsWith(last)) return false;
  let at = first.length;
  const end = tag.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = tag.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/** Un-expires every image that an index which stays still lists, to a fixed point. */
function keepListedImages(images: LifecycleImage[], expired: Map<string, unknown>): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const index of images) {
      if (expired.has(index.digest)) continue;
      for (const child of index.children ?? []) changed = expired.delete(child) || changed;
    }
  }
}

function orderForDeletion(images: LifecycleImage[], expired: Map<string, Omit<Expiration, "digest">>): Expiration[] {
  const depth = new Map<string, number>();
  const byDigest = new Map(images.map((i) => [i.digest, i]));
  // An index's depth is above all it lists, so deleting in depth order never meets a parent.
  const depthOf = (d: string, seen = new Set<string>()): number => {
    if (depth.has(d)) return depth.get(d)!;
    if (seen.has(d)) return 0;
    seen.add(d);
    const children = byDigest.get(d)?.children ?? [];
    const value = children.length ? 1 + Math.max(...children.map((c) => depthOf(c, seen))) : 0;
    depth.set(d, value);
    return value;
  };
  return images
    .filter((i) => expired.has(i.digest))
    .sort((a, b) => depthOf(b.digest) - depthOf(a.digest) || a.pushedAt.getTime() - b.pushedAt.getTime() || (a.digest < b.digest ? -1 : 1))
    .map((i) => ({ digest: i.digest, ...expired.get(i.digest)! }));
}
