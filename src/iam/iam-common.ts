import { invalidInput, limitExceeded } from "./errors.js";

/** IAM ARNs carry no region: arn:aws:iam::ACCOUNT:role/PATH/NAME (path "/" or "/a/b/"). */
export const iamArn = (account: string, type: string, path: string, name: string) => `arn:aws:iam::${account}:${type}${path}${name}`;

/** IAM names are unique without regard to case (a role "App" and a role "app" cannot both exist). */
export const nameKey = (name: string) => name.toLowerCase();

/**
 * Policy documents travel URL-encoded in IAM's answers (RFC 3986), as AWS sends them; the AWS CLI
 * and boto3 decode them, SDK v3 users call decodeURIComponent.
 */
export const encodeDocument = (document: string) => encodeURIComponent(document);

export interface Page<T> {
  items: T[];
  IsTruncated: boolean;
  Marker?: string;
}

/** IAM's Marker/MaxItems pagination (100 items by default); the marker is the next item's offset. */
export function paginate<T>(all: T[], marker: string | undefined, maxItems: number | undefined): Page<T> {
  let start = 0;
  if (marker !== undefined) {
    start = Number(Buffer.from(marker, "base64url").toString());
    if (!Number.isInteger(start) || start < 0) throw invalidInput("Invalid Marker.");
  }
  const size = maxItems ?? 100;
  const items = all.slice(start, start + size);
  const truncated = start + size < all.length;
  return { items, IsTruncated: truncated, ...(truncated ? { Marker: Buffer.from(String(start + size)).toString("base64url") } : {}) };
}

export interface Tag {
  Key: string;
  Value: string;
}

/** Tags with one value per key, the last given winning, as TagRole merges them. */
export function mergeTags(existing: Tag[], added: Tag[] = []): Tag[] {
  const byKey = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const t of added) byKey.set(t.Key, t.Value);
  if (byKey.size > 50) throw limitExceeded("The number of tags has reached the maximum limit.");
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}
