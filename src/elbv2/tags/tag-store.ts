import type { Tag } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Db } from "../../store/database.js";
import { duplicateTagKeys, tooManyTags, validation } from "../errors.js";

/** ELBv2 tags live in Berth's one tags table (keyed by ARN) under ELBv2's Key/Value names. */
export function checkTags(tags: Tag[] = []): void {
  const seen = new Set<string>();
  for (const { Key } of tags) {
    // Key's length is the model's; its presence and the aws: prefix are ours to check.
    if (Key === undefined) throw validation("A tag key must be specified");
    if (/^aws:/i.test(Key)) throw validation(`Tag key '${Key}' cannot start with 'aws:', which is reserved for AWS use`);
    if (seen.has(Key)) throw duplicateTagKeys(Key);
    seen.add(Key);
  }
}

export const tagsOf = (db: Db, arn: string): Tag[] =>
  (db.prepare("SELECT key, value FROM tags WHERE arn = ? ORDER BY rowid").all(arn) as Array<{ key: string; value: string }>).map((t) => ({ Key: t.key, Value: t.value }));

/** Adds or overwrites; a resource ends with at most 50 tags, else nothing changes (callers run in a transaction). */
export function addTags(db: Db, arn: string, tags: Tag[] = []): void {
  const put = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
  for (const t of tags) put.run(arn, t.Key, t.Value ?? "");
  if ((db.prepare("SELECT count(*) AS n FROM tags WHERE arn = ?").get(arn) as { n: number }).n > 50) throw tooManyTags();
}

export function removeTagKeys(db: Db, arn: string, keys: string[]): void {
  const del = db.prepare("DELETE FROM tags WHERE arn = ? AND key = ?");
  for (const k of keys) del.run(arn, k);
}

export const dropTags = (db: Db, arn: string) => db.prepare("DELETE FROM tags WHERE arn = ?").run(arn);
