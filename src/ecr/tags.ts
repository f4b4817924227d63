import type { Tag } from "@aws-sdk/client-ecr";
import type { Db } from "../store/database.js";
import { invalidTagParameter, tooManyTags } from "./errors.js";

/**
 * ECR resource tags ({Key, Value}). They share the `tags` table (keyed by ARN) with ECS's, so
 * a reset wipes them with everything else.
 */
export function validateTags(tags: Tag[] = []): void {
  const seen = new Set<string>();
  for (const { Key, Value } of tags) {
    if (!Key || Key.length > 128) throw invalidTagParameter("Tag keys must be 1 to 128 characters long.");
    if (/^aws:/i.test(Key)) throw invalidTagParameter("Tag keys must not begin with 'aws:', which is reserved for AWS use.");
    if ((Value ?? "").length > 256) throw invalidTagParameter("Tag values must be at most 256 characters long.");
    if (seen.has(Key)) throw invalidTagParameter(`Duplicate tag key ${Key}.`);
    seen.add(Key);
  }
  if (tags.length > 50) throw tooManyTags("A resource can have at most 50 tags.");
}

export function putTags(db: Db, arn: string, tags: Tag[] = []): void {
  const stmt = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
  for (const t of tags) stmt.run(arn, t.Key, t.Value ?? "");
}

export function dropTags(db: Db, arn: string): void {
  db.prepare("DELETE FROM tags WHERE arn = ?").run(arn);
}
