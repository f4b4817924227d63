import type { Db } from "../store/database.js";
import { invalidParameter } from "./errors.js";

/** Secrets Manager's tags ({Key, Value}) in the shared tags table, keyed by the secret's ARN. */
export type SmTag = { Key: string; Value?: string };

const MAX_TAGS = 50;

export function tagsOf(db: Db, arn: string): SmTag[] {
  return (db.prepare("SELECT key, value FROM tags WHERE arn = ? ORDER BY rowid").all(arn) as Array<{ key: string; value: string }>).map((t) => ({ Key: t.key, Value: t.value }));
}

export function putTags(db: Db, arn: string, tags: SmTag[]): void {
  for (const t of tags) {
    if (t.Key === undefined) throw invalidParameter("You must specify a key for each tag.");
    if (/^aws:/i.test(t.Key)) throw invalidParameter("Invalid tag key: the prefix aws: is reserved for AWS use.");
  }
  const stmt = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
  for (const t of tags) stmt.run(arn, t.Key, t.Value ?? "");
  const n = (db.prepare("SELECT count(*) AS n FROM tags WHERE arn = ?").get(arn) as { n: number }).n;
  if (n > MAX_TAGS) throw invalidParameter(`A secret can have at most ${MAX_TAGS} tags.`);
}

export function removeTags(db: Db, arn: string, keys: string[]): void {
  const stmt = db.prepare("DELETE FROM tags WHERE arn = ? AND key = ?");
  for (const k of keys) stmt.run(arn, k);
}
