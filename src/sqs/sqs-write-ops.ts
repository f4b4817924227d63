import type { Db } from "../store/database.js";

/** One change to SQS's tables, as data (it crosses to the writer thread). */
export type WriteOp =
  | { k: "insert"; queueId: number; seq: number; id: string; doc: string; visibleAt: number; receiveCount: number; firstReceive: number | null; receipt: string | null }
  | { k: "dedup"; queueId: number; dedupId: string; messageId: string; sequenceNumber: string | null; expiresAt: number }
  | { k: "touch"; queueId: number; seq: number; visibleAt: number; receiveCount: number; firstReceive: number | null; receipt: string | null }
  | { k: "remove"; queueId: number; seq: number }
  | { k: "purge"; queueId: number }
  | { k: "queueDoc"; queueId: number; doc: string }
  | { k: "dropQueue"; queueId: number };

/** Applies ops in order (the caller wraps them in one transaction). */
export function applyOps(db: Db, ops: WriteOp[]): void {
  for (const op of ops) {
    switch (op.k) {
      case "insert":
        db.prepare("INSERT INTO sqs_messages (queue_id, seq, id, doc, visible_at, receive_count, first_receive, receipt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
          .run(op.queueId, op.seq, op.id, op.doc, op.visibleAt, op.receiveCount, op.firstReceive, op.receipt);
        break;
      case "dedup":
        db.prepare("INSERT OR REPLACE INTO sqs_dedup (queue_id, dedup_id, message_id, sequence_number, expires_at) VALUES (?, ?, ?, ?, ?)")
          .run(op.queueId, op.dedupId, op.messageId, op.sequenceNumber, op.expiresAt);
        break;
      case "touch":
        db.prepare("UPDATE sqs_messages SET visible_at = ?, receive_count = ?, first_receive = ?, receipt = ? WHERE queue_id = ? AND seq = ?")
          .run(op.visibleAt, op.receiveCount, op.firstReceive, op.receipt, op.queueId, op.seq);
        break;
      case "remove":
        db.prepare("DELETE FROM sqs_messages WHERE queue_id = ? AND seq = ?").run(op.queueId, op.seq);
        break;
      case "purge":
        db.prepare("DELETE FROM sqs_messages WHERE queue_id = ?").run(op.queueId);
        break;
      case "queueDoc":
        db.prepare("UPDATE sqs_queues SET doc = ? WHERE id = ?").run(op.doc, op.queueId);
        break;
      case "dropQueue":
        for (const t of ["sqs_messages", "sqs_dedup"]) db.prepare(`DELETE FROM ${t} WHERE queue_id = ?`).run(op.queueId);
        db.prepare("DELETE FROM sqs_queues WHERE id = ?").run(op.queueId);
        break;
    }
  }
}
