import type { Tag } from "@aws-sdk/client-cloudwatch";
import type { Db } from "../../store/database.js";

/** Alarm tags, in the store's shared tags table (keyed by ARN). */
export class AlarmTags {
  constructor(private readonly db: Db) {}

  tag(arn: string, tags: Tag[]): void {
    const put = this.db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
    for (const t of tags) put.run(arn, t.Key!, t.Value ?? "");
  }

  untag(arn: string, keys: string[]): void {
    const del = this.db.prepare("DELETE FROM tags WHERE arn = ? AND key = ?");
    for (const k of keys) del.run(arn, k);
  }

  list(arn: string): Tag[] {
    return (this.db.prepare("SELECT key, value FROM tags WHERE arn = ? ORDER BY key").all(arn) as Array<{ key: string; value: string }>).map((r) => ({ Key: r.key, Value: r.value }));
  }

  deleteAll(arn: string): void {
    this.db.prepare("DELETE FROM tags WHERE arn = ?").run(arn);
  }
}
