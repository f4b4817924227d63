import type { Tag } from "@aws-sdk/client-ecs";
import type { Db } from "../store/database.js";
import { invalidParameter } from "../core/errors.js";

/** Tags live in one table keyed by resource ARN, so every taggable resource shares this code. */
export function validateTags(tags: Tag[] = []): void {
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    if (!key) throw invalidParameter("Tag keys must not be empty.");
    if (/^aws:/i.test(key)) throw invalidParameter("Tag keys must not begin with 'aws:', which is reserved for AWS use.");
    if (seen.has(key)) throw invalidParameter(`Duplicate tag key ${key}.`);
    seen.add(key);
    if (value === undefined) throw invalidParameter(`The tag ${key} has no value.`);
  }
  if (tags.length > 50) throw invalidParameter("A resource can have at most 50 tags.");
}

export function getTags(db: Db, arn: string): Tag[] {
  return (db.prepare("SELECT key, value FROM tags WHERE arn = ? ORDER BY rowid").all(arn) as Tag[]).map(({ key, value }) => ({ key, value }));
}

export function putTags(db: Db, arn: string, tags: Tag[] = []): void {
  const stmt = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
  for (const t of tags) stmt.run(arn, t.key, t.value ?? "");
  const count = (db.prepare("SELECT count(*) AS n FROM tags WHERE arn = ?").get(arn) as { n: number }).n;
  if (count > 50) throw invalidParameter("A resource can have at most 50 tags.");
}

export function removeTags(db: Db, arn: string, keys: string[]): void {
  const stmt = db.prepare("DELETE FROM tags WHERE arn = ? AND key = ?");
  for (const k of keys) stmt.run(arn, k);
}

export function dropAllTags(db: Db, arn: string): void {
  db.prepare("DELETE FROM tags WHERE arn = ?").run(arn);
}
