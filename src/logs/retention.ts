import type { Db } from "../store/database.js";

const DAY_MS = 86_400_000;
/** Events deleted per transaction: a large expiry does not hold the database (and the event loop) for long. */
const CHUNK = 10_000;

/**
 * Deletes every event older than its group's retention period, a time range at a time: the events
 * table is clustered by (group, timestamp), so each chunk is one contiguous range of the B-tree.
 * Streams' stored bytes shrink by what went. Returns the number of events deleted.
 */
export function expireEvents(db: Db, now: number): number {
  const groups = db.prepare("SELECT id, retention_days FROM log_groups WHERE retention_days IS NOT NULL").all() as Array<{ id: number; retention_days: number }>;
  let deleted = 0;
  for (const g of groups) {
    const cutoff = now - g.retention_days * DAY_MS;
    for (;;) {
      const n = db.transaction(() => {
        // The chunk's last event: everything up to it (in key order) goes.
        const edge = db.prepare("SELECT timestamp, id FROM log_events WHERE group_id = ? AND timestamp < ? ORDER BY timestamp, id LIMIT 1 OFFSET ?")
          .get(g.id, cutoff, CHUNK - 1) as { timestamp: number; id: number } | undefined;
        const [t, id] = edge ? [edge.timestamp, edge.id] : [cutoff, -1];
        const bound = edge ? "(timestamp, id) <= (?, ?)" : "timestamp < ? AND ? = -1";
        const sizes = db.prepare(`SELECT stream_id, sum(length(CAST(message AS BLOB))) AS bytes FROM log_events WHERE group_id = ? AND ${bound} GROUP BY stream_id`)
          .all(g.id, t, id) as Array<{ stream_id: number; bytes: number }>;
        for (const s of sizes) db.prepare("UPDATE log_streams SET stored_bytes = max(0, stored_bytes - ?) WHERE id = ?").run(s.bytes, s.stream_id);
        return db.prepare(`DELETE FROM log_events WHERE group_id = ? AND ${bound}`).run(g.id, t, id).changes;
      })();
      deleted += n;
      if (n < CHUNK) break;
    }
  }
  return deleted;
}
